// The platform model through real mqtt.js clients: every template row both ways, escaping on the
// wire, child routing, the operation lifecycle and every s/e code. Devices publish with QoS 2:
// the broker processes the message before it answers PUBREC, so the effect is there on return.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { C8yBroker } from '../broker.ts';
import { connected, Inbox } from '../clients.ts';
import { parseLine, writeLine } from '../../smartrest/codec.ts';
import { Platform } from './platform.ts';
import { LOGIN, newId, PlatformBench } from './test-bench.ts';

const login = LOGIN;
let bench: PlatformBench;
let broker: C8yBroker;
let platform: Platform;

before(async () => {
  bench = await PlatformBench.start();
  ({ broker, platform } = bench);
});
after(() => bench.close());

const device = (id = newId(), opts: { register?: boolean; clean?: boolean } = {}) => bench.device(id, opts);
const changes = (deviceId: string, change: string) => bench.changes(deviceId, change);

describe('upstream templates', () => {
  test('100 creates the device once (defaults when fields are left off); a repeated 100 is answered 41', async () => {
    const d = await device(newId(), { register: false });
    await d.pub('100,,');
    const dev = platform.inventory.get(d.id)!;
    assert.equal(dev.name, `MQTT Device ${d.id}`);
    assert.equal(dev.type, 'c8y_MQTTDevice');
    await d.pub('100,Other name,c8y_X');
    assert.equal(await d.inbox.next('s/e'), '41,100,Device already existing');
    assert.equal(platform.inventory.get(d.id)!.name, `MQTT Device ${d.id}`);
    const named = await device(newId(), { register: false });
    await named.pub('100,"Boiler, basement",c8y_Boiler');
    assert.equal(platform.inventory.get(named.id)!.name, 'Boiler, basement');
    assert.equal(platform.inventory.get(named.id)!.type, 'c8y_Boiler');
  });

  test('any data creates the device too, and then s/ds may be subscribed', async () => {
    const d = await device(newId(), { register: false });
    await d.pub('200,c8y_T,T,1');
    assert.ok(platform.inventory.has(d.id));
    assert.equal(changes(d.id, 'device-created')[0]!.by, 'first data');
  });

  test('110 113 114 115 117 set the inventory', async () => {
    const d = await device();
    await d.pub('110,SER-1,Model X,rev 2\n113,"a=1\nb=2"\n114,c8y_Restart,c8y_Command,c8y_Firmware\n115,fw,1.2.3,http://x/fw.bin\n117,15');
    const f = platform.inventory.get(d.id)!.fragments;
    assert.deepEqual(f.c8y_Hardware, { serialNumber: 'SER-1', model: 'Model X', revision: 'rev 2' });
    assert.deepEqual(f.c8y_Configuration, { config: 'a=1\nb=2' });
    assert.deepEqual(f.c8y_SupportedOperations, ['c8y_Restart', 'c8y_Command', 'c8y_Firmware']);
    assert.deepEqual(f.c8y_Firmware, { name: 'fw', version: '1.2.3', url: 'http://x/fw.bin' });
    assert.deepEqual(f.c8y_RequiredAvailability, { responseInterval: 15 });
    await d.pub('114,c8y_Restart');
    assert.deepEqual(platform.inventory.get(d.id)!.fragments.c8y_SupportedOperations, ['c8y_Restart'], '114 replaces the list');
  });

  test('200 201 210 211 212 create measurements', async () => {
    const d = await device();
    await d.pub('200,c8y_Pressure,P,1013.25,hPa,2026-01-02T03:04:05Z\n201,c8y_Multi,,c8y_A,a,1,u1,c8y_B,b,2\n210,-70,0.5\n211,21.5\n212,87');
    const m = platform.inventory.get(d.id)!.measurements;
    assert.deepEqual(m['c8y_Pressure.P'], { fragment: 'c8y_Pressure', series: 'P', value: 1013.25, unit: 'hPa', time: '2026-01-02T03:04:05Z' });
    assert.equal(m['c8y_A.a']!.value, 1);
    assert.equal(m['c8y_B.b']!.value, 2);
    assert.equal(m['c8y_B.b']!.unit, undefined);
    assert.equal(m['c8y_SignalStrength.rssi']!.value, -70);
    assert.equal(m['c8y_SignalStrength.ber']!.value, 0.5);
    assert.equal(m['c8y_TemperatureMeasurement.T']!.value, 21.5);
    assert.equal(m['c8y_Battery.level']!.value, 87);
    assert.equal(platform.inventory.get(d.id)!.measurementCount, 7);
  });

  test('301–304 raise one active alarm per type; 305 changes severity; 306 clears', async () => {
    const d = await device();
    await d.pub('301,c8y_A,critical one\n302,c8y_B,major\n303,c8y_C\n304,c8y_D,warn\n301,c8y_A,again');
    const alarms = platform.inventory.get(d.id)!.alarms;
    assert.deepEqual(Object.fromEntries(Object.values(alarms).map((a) => [a.type, a.severity])), { c8y_A: 'CRITICAL', c8y_B: 'MAJOR', c8y_C: 'MINOR', c8y_D: 'WARNING' });
    assert.equal(alarms.c8y_A!.count, 2);
    await d.pub('305,c8y_B,MINOR\n306,c8y_C');
    assert.equal(platform.inventory.get(d.id)!.alarms.c8y_B!.severity, 'MINOR');
    assert.equal(platform.inventory.get(d.id)!.alarms.c8y_C, undefined);
    await d.pub('305,c8y_None,MAJOR');
    assert.match(await d.inbox.next('s/e'), /^41,305,/);
  });

  test('400 401 402 create events and locations', async () => {
    const d = await device();
    await d.pub('400,c8y_Door,"Door opened, by ""someone"""\n401,52.5,13.4,35,10\n402,48.1,11.6');
    const dev = platform.inventory.get(d.id)!;
    assert.deepEqual(dev.events[0], { type: 'c8y_Door', text: 'Door opened, by "someone"', time: dev.events[0]!.time });
    assert.deepEqual(dev.fragments.c8y_Position, { lat: 48.1, lng: 11.6 });
    assert.deepEqual(dev.events.find((e) => e.type === 'c8y_LocationUpdate')!.fragments, { c8y_Position: { lat: 52.5, lng: 13.4, alt: 35, accuracy: 10 } });
    assert.equal(dev.events.filter((e) => e.type === 'c8y_LocationUpdate').length, 2);
    assert.equal(broker.record.select({ decision: 'smartrest-finding', deviceId: d.id }).length, 1, 'doubled quotes are a strict-mode finding');
  });

  test('each line of a publish is handled on its own: a bad line does not stop the ones after it', async () => {
    const d = await device();
    await d.pub('999\n200,c8y_T,T,1\n200,c8y_T,T,oops\n400,e,after the bad ones');
    assert.equal(platform.inventory.get(d.id)!.measurements['c8y_T.T']!.value, 1);
    assert.equal(platform.inventory.get(d.id)!.events[0]!.text, 'after the bad ones');
    assert.match(await d.inbox.next('s/e'), /^40,999,/);
    assert.match(await d.inbox.next('s/e'), /^45,200,/);
  });

  test('platform changes point at the PUBLISH that caused them', async () => {
    const d = await device();
    await d.pub('211,30');
    const m = changes(d.id, 'measurement').at(-1)!;
    const packet = broker.record.events().find((e) => e.seq === m.causeSeq)!;
    assert.equal(packet.type, 'publish');
    assert.equal((packet.packet as { payload: string }).payload, '211,30');
  });
});

describe('s/e', () => {
  test('40, 41, 42 and 45 each reach a subscribed device and the record', async () => {
    const d = await device();
    // an unclosed quote runs to the end of the payload, so the malformed line goes last
    await d.pub('777,x\n100\n200,c8y_T\n400,"unclosed');
    const got = [await d.inbox.next('s/e'), await d.inbox.next('s/e'), await d.inbox.next('s/e'), await d.inbox.next('s/e')];
    assert.deepEqual(got.map((l) => l.split(',')[0]), ['40', '41', '45', '42']);
    assert.deepEqual(broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).map((e) => e.code), [40, 41, 45, 42]);
  });

  test('a device not subscribed to s/e gets nothing, and the error is still recorded', async () => {
    const id = newId();
    const client = await connected({ ports: broker.ports }, 'mqtt', { clientId: id, ...login });
    const inbox = new Inbox(client);
    await client.publishAsync('s/us', '888', { qos: 2 });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(inbox.on('s/e'), []);
    assert.equal(broker.record.select({ decision: 'smartrest-error', deviceId: id }).length, 1);
    client.end(true);
  });
});

describe('downstream templates and escaping', () => {
  const nasty = ['a,b', 'say "hi"', 'line1\nline2', 'cr\rhere', 'back\\slash', 'C:\\temp\\"x"', 'ünïcødé 😀 中文', ' lead', 'trail ', '",\n\\', ',,,'];

  test('nasty values survive the wire downstream in 511 and 513 (and empty fields in 515)', async () => {
    const d = await device();
    for (const v of nasty) {
      await platform.createOperation({ device: d.id, fragment: 'c8y_Command', params: [v] });
      const line = await d.inbox.next('s/ds');
      assert.deepEqual(parseLine(line).fields, ['511', d.id, v]);
      assert.deepEqual(parseLine(line).findings, []);
      await platform.createOperation({ device: d.id, template: 513, params: [v] });
      assert.deepEqual(parseLine(await d.inbox.next('s/ds')).fields, ['513', d.id, v]);
    }
    await platform.createOperation({ device: d.id, template: 515, params: ['', 'v2', ''] });
    assert.equal(await d.inbox.next('s/ds'), `515,${d.id},,v2,`);
  });

  test('nasty values survive the wire upstream in 400 texts, 113 configurations, alarm texts and units', async () => {
    const d = await device();
    for (const v of nasty) {
      await d.pub(writeLine([400, 'c8y_Nasty', v]) + '\n' + writeLine([113, v]) + '\n' + writeLine([301, 'c8y_N', v]) + '\n' + writeLine([200, 'c8y_U', 'u', 1, v]));
      const dev = platform.inventory.get(d.id)!;
      assert.equal(dev.events.at(-1)!.text, v);
      assert.deepEqual(dev.fragments.c8y_Configuration, { config: v });
      assert.equal(dev.alarms.c8y_N!.text, v);
      assert.equal(dev.measurements['c8y_U.u']!.unit, v);
    }
    assert.deepEqual(await Promise.race([d.inbox.next('s/e', () => true, 100).catch(() => 'none')]), 'none');
  });

  test('property: any operation parameters survive platform, wire and a device-side parse unchanged', async () => {
    const d = await device();
    const value = fc.string({ unit: fc.oneof(fc.constantFrom(',', '"', '\\', '\n', '\r', ' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 });
    await fc.assert(fc.asyncProperty(fc.tuple(value, value, value), async (params) => {
      await platform.createOperation({ device: d.id, template: 515, params });
      assert.deepEqual(parseLine(await d.inbox.next('s/ds')).fields, ['515', d.id, ...params]);
    }), { numRuns: 200 });
  });
});

describe('children', () => {
  test('three levels: creation with 101, data on the child topic, operations through the root, status on the child topic', async () => {
    const d = await device();
    const [c1, c2, c3] = [`${d.id}-c1`, `${d.id}-c2`, `${d.id}-c3`];
    await d.pub(`101,${c1},Child 1`);
    await d.pub(`101,${c2},Child 2,c8y_Sensor`, `s/us/${c1}`);
    await d.pub(`101,${c3}`, `s/us/${c1}/${c2}`);
    assert.deepEqual(platform.inventory.get(d.id)!.children, [c1]);
    assert.equal(platform.inventory.get(c3)!.parent, c2);
    assert.equal(platform.inventory.get(c2)!.type, 'c8y_Sensor');
    assert.equal(platform.inventory.rootOf(c3), d.id);
    await d.pub('211,19.5', `s/us/${c1}/${c2}/${c3}`);
    assert.equal(platform.inventory.get(c3)!.measurements['c8y_TemperatureMeasurement.T']!.value, 19.5);
    assert.equal(platform.inventory.get(d.id)!.measurementCount, 0);

    const op = await platform.createOperation({ device: c3, fragment: 'c8y_Restart' });
    assert.equal(await d.inbox.next('s/ds'), `510,${c3}`);
    // a status on the root's topic does not touch the child's operation
    await d.pub('501,c8y_Restart');
    assert.match(await d.inbox.next('s/e'), /^41,501,/);
    assert.equal(platform.operations.get(op.id)!.status, 'PENDING');
    await d.pub('501,c8y_Restart\n503,c8y_Restart', `s/us/${c1}/${c2}/${c3}`);
    assert.equal(platform.operations.get(op.id)!.status, 'SUCCESSFUL');

    await d.pub('105', `s/us/${c1}`);
    assert.equal(await d.inbox.next('s/ds', (l) => l.startsWith('106')), `106,${c2}`);
  });

  test('an unknown first-level child is created by its data; a deeper unknown one is refused with 41', async () => {
    const d = await device();
    await d.pub('200,c8y_T,T,3', `s/us/${d.id}-auto`);
    assert.equal(platform.inventory.get(`${d.id}-auto`)!.parent, d.id);
    await d.pub('200,c8y_T,T,3', `s/us/${d.id}-auto/${d.id}-deep`);
    assert.match(await d.inbox.next('s/e'), /^41,200,.*unknown child/);
    assert.equal(platform.inventory.has(`${d.id}-deep`), false);
  });
});

describe('operation lifecycle', () => {
  test('PENDING → EXECUTING → SUCCESSFUL by fragment, with result parameters and history', async () => {
    const d = await device();
    const op = await platform.createOperation({ device: d.id, fragment: 'c8y_Command', params: ['uptime'] });
    assert.equal(await d.inbox.next('s/ds'), `511,${d.id},uptime`);
    await d.pub('501,c8y_Command');
    assert.equal(platform.operations.get(op.id)!.status, 'EXECUTING');
    await d.pub('503,c8y_Command,"up 3 days, load 0.1"');
    const done = platform.operations.get(op.id)!;
    assert.equal(done.status, 'SUCCESSFUL');
    assert.deepEqual(done.result, ['up 3 days, load 0.1']);
    assert.deepEqual(done.history.map((h) => h.status), ['PENDING', 'EXECUTING', 'SUCCESSFUL']);
    await d.pub('503,c8y_Command');
    assert.match(await d.inbox.next('s/e'), /^41,503,/);
  });

  test('502 fails the oldest operation of a fragment with a reason; operations are taken oldest first', async () => {
    const d = await device();
    const a = await platform.createOperation({ device: d.id, fragment: 'c8y_Restart' });
    const b = await platform.createOperation({ device: d.id, fragment: 'c8y_Restart' });
    await d.pub('501,c8y_Restart\n502,c8y_Restart,"disk full, sorry"');
    assert.equal(platform.operations.get(a.id)!.status, 'FAILED');
    assert.equal(platform.operations.get(a.id)!.failureReason, 'disk full, sorry');
    assert.equal(platform.operations.get(b.id)!.status, 'PENDING');
  });

  test('504 505 506 by operation id; a final operation cannot change', async () => {
    const d = await device();
    const a = await platform.createOperation({ device: d.id, fragment: 'c8y_Command', params: ['x'] });
    const b = await platform.createOperation({ device: d.id, fragment: 'c8y_Command', params: ['y'] });
    await d.pub(`504,${a.id}\n506,${a.id},ok\n505,${b.id},nope`);
    assert.equal(platform.operations.get(a.id)!.status, 'SUCCESSFUL');
    assert.equal(platform.operations.get(b.id)!.status, 'FAILED');
    await d.pub(`504,${a.id}`);
    assert.match(await d.inbox.next('s/e'), /^41,504,.*SUCCESSFUL/);
    await d.pub('504,999999');
    assert.match(await d.inbox.next('s/e'), /^41,504,/);
  });

  test('503 with further parameters does what SPEC 6 says for each operation', async () => {
    const d = await device();
    const mode = await platform.createOperation({ device: d.id, fragment: 'c8y_CommunicationMode', params: ['SMS'] });
    const log = await platform.createOperation({ device: d.id, fragment: 'c8y_LogfileRequest', params: ['syslog', '', '', '', '100'] });
    const dump = await platform.createOperation({ device: d.id, template: 521, params: ['http://h/cfg'] });
    await d.pub('503,c8y_CommunicationMode\n503,c8y_LogfileRequest,http://h/log.txt\n503,c8y_DownloadConfigFile,2026-01-01T00:00:00Z');
    const f = platform.inventory.get(d.id)!.fragments;
    assert.deepEqual(f.c8y_CommunicationMode, { mode: 'SMS' });
    assert.equal((platform.operations.get(log.id)!.value as { file: string }).file, 'http://h/log.txt');
    assert.deepEqual(f.c8y_ConfigurationDump, { id: dump.id, time: '2026-01-01T00:00:00Z' });
    assert.equal(platform.operations.get(mode.id)!.status, 'SUCCESSFUL');
  });

  test('a status on the wrong topic and a second answer are violations; a status for nothing is a warning', async () => {
    const d = await device();
    await d.pub(`101,${d.id}-c`);
    await platform.createOperation({ device: `${d.id}-c`, fragment: 'c8y_Restart' });
    await d.pub('501,c8y_Restart\n502,c8y_Command', 's/us');
    await d.pub('501,c8y_Restart\n503,c8y_Restart\n503,c8y_Restart', `s/us/${d.id}-c`);
    const refused = broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).map((e) => [e.rule, e.severity]);
    assert.deepEqual(refused, [['operations.status-topic', 'violation'], ['operations.no-matching', 'warning'], ['operations.answered-twice', 'violation']]);
  });

  test('500 sends the pending operations again', async () => {
    const d = await device();
    await platform.createOperation({ device: d.id, fragment: 'c8y_Restart' });
    await d.inbox.next('s/ds');
    await d.pub('500');
    assert.equal(await d.inbox.next('s/ds'), `510,${d.id}`);
  });

  test('operations for an offline root device with clean session 0 arrive on reconnect', async () => {
    const id = newId();
    const first = await device(id, { clean: false });
    first.inbox.client.end(true);
    await broker.record.eventually({ kind: 'connection', action: 'close', clientId: id }, 2000);
    const op = await platform.createOperation({ device: id, fragment: 'c8y_Command', params: ['while you were away'] });
    assert.equal(broker.record.select({ kind: 'platform', where: (e) => e.change === 'operation-delivery' && e.operationId === op.id })[0]!.delivery, 'queued');
    const again = await device(id, { clean: false, register: false });
    assert.equal(await again.inbox.next('s/ds'), `511,${id},while you were away`);
  });

  test('bad operation requests are refused with a reason', async () => {
    const d = await device();
    await assert.rejects(platform.createOperation({ device: 'nope' + d.id, fragment: 'c8y_Restart' }), /no device/);
    await assert.rejects(platform.createOperation({ device: d.id, fragment: 'c8y_Unknown' }), /no static template carries the fragment/);
    await assert.rejects(platform.createOperation({ device: d.id, template: 515, params: ['a'] }), /takes 3/);
    await assert.rejects(platform.createOperation({ device: d.id, template: 518, params: ['HALF'] }), /OPEN or CLOSED/);
    await assert.rejects(platform.createOperation({ device: d.id, template: 511, fragment: 'c8y_Restart', params: ['x'] }), /is for c8y_Command/);
  });
});

describe('fuzz', () => {
  test('random SmartREST lines never throw; each line is either a platform change or answered on s/e and recorded', async () => {
    const d = await device();
    const ids = ['100', '101', '105', '110', '113', '114', '115', '117', '200', '201', '210', '211', '212', '301', '305', '306', '400', '401', '402', '500', '501', '502', '503', '504', '505', '506', '999', 'x'];
    const field = fc.string({ unit: fc.constantFrom('a', '1', '.', '-', ',', '"', '\\', ' ', 'Z', 'T', ':', '\r'), maxLength: 8 });
    const line = fc.tuple(fc.constantFrom(...ids), fc.array(field, { maxLength: 6 })).map(([id, fs]) => [id, ...fs].join(','));
    const lines = fc.sample(fc.array(line, { minLength: 1, maxLength: 5 }), { numRuns: 150, seed: 42 });
    for (const batch of lines) {
      const before = broker.record.events().length;
      const payload = batch.join('\n');
      await d.pub(payload);
      const after = broker.record.events().slice(before);
      const pub = after.find((e) => e.kind === 'packet' && e.type === 'publish' && e.dir === 'in')!;
      const caused = after.filter((e) => e.causeSeq === pub.seq);
      const errors = caused.filter((e) => e.decision === 'smartrest-error');
      // every line of the payload that reads as a line got an answer: a change or an error
      const parsed = (await import('../../smartrest/codec.ts')).parsePayload(payload);
      const answered = new Set(caused.filter((e) => e.kind === 'platform' || e.decision === 'smartrest-error').map((e) => (e.cause as { line: number }).line));
      assert.deepEqual([...answered].sort((a, b) => a - b), parsed.map((_, i) => i), `payload ${JSON.stringify(payload)}`);
      for (const e of errors) assert.equal(await d.inbox.next('s/e', (l) => l === e.answer), e.answer);
    }
    assert.ok(broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).length > 50, 'the fuzz lines should include many bad ones');
  });
});

describe('processing modes, custom templates and options', () => {
  test('t/us, q/us and c/us are processed like s/us; s/uc lines of an unknown collection are answered 40', async () => {
    const d = await device();
    await d.pub('211,1', 't/us');
    await d.pub('211,2', 'q/us');
    await d.pub('211,3', 'c/us');
    assert.equal(platform.inventory.get(d.id)!.measurementCount, 3);
    await d.pub('42,"a,b",c', 's/uc/myCollection');
    assert.equal(await d.inbox.next('s/e'), "40,42,No template collection 'myCollection'");
    assert.equal(broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).at(-1)!.rule, 'custom.unknown-collection');
  });

  test('pushPendingOnSubscribe: pending operations go out when the device subscribes to s/ds; by default they wait for 500', async () => {
    for (const push of [true, false]) {
      const other = await C8yBroker.start({ credentials: [{ tenant: 't1', user: 'dev', password: 'pw' }], ports: { mqtt: 0, mqtts: null, ws: null, wss: null }, pushPendingOnSubscribe: push });
      try {
        const p = new Platform(other);
        const client = await connected({ ports: other.ports }, 'mqtt', { clientId: 'PUSH1', ...login });
        const inbox = new Inbox(client);
        await client.publishAsync('s/us', '100', { qos: 2 });
        await p.createOperation({ device: 'PUSH1', fragment: 'c8y_Restart' });
        await client.subscribeAsync('s/ds', { qos: 1 });
        if (push) assert.equal(await inbox.next('s/ds'), '510,PUSH1');
        else {
          await assert.rejects(inbox.next('s/ds', () => true, 150));
          await client.publishAsync('s/us', '500', { qos: 2 });
          assert.equal(await inbox.next('s/ds'), '510,PUSH1');
        }
        client.end(true);
      } finally {
        await other.close();
      }
    }
  });

  test('lenient escaping does not report doubled quotes as findings', async () => {
    const other = await C8yBroker.start({ credentials: [{ tenant: 't1', user: 'dev', password: 'pw' }], ports: { mqtt: 0, mqtts: null, ws: null, wss: null }, strictEscaping: false });
    try {
      const p = new Platform(other);
      const client = await connected({ ports: other.ports }, 'mqtt', { clientId: 'LENIENT1', ...login });
      await client.publishAsync('s/us', '400,c8y_Q,"say ""hi"""', { qos: 2 });
      assert.equal(p.inventory.get('LENIENT1')!.events[0]!.text, 'say "hi"');
      assert.equal(other.record.select({ decision: 'smartrest-finding' }).length, 0);
      client.end(true);
    } finally {
      await other.close();
    }
  });
});

describe("the harness's refusals", () => {
  test("refused measurements: 41 on s/e, recorded as the platform's answer, other lines still taken", async () => {
    const d = await device();
    platform.refuseMeasurements(d.id);
    await d.pub('211,22.5');
    assert.equal(await d.inbox.next('s/e'), '41,211,Measurement refused (the test has the platform refuse them)');
    await d.pub('400,c8y_Test,still taken');
    assert.equal(changes(d.id, 'event').length, 1);
    const refusal = broker.record
      .select({ kind: 'decision', decision: 'smartrest-error' })
      .filter((e) => e.deviceId === d.id);
    assert.deepEqual(
      refusal.map((e) => [e.line, e.rule, e.severity]),
      [['211,22.5', 'platform.behaviour', 'info']],
    );
    assert.equal(changes(d.id, 'measurement').length, 0);
    assert.equal(broker.record.select({ kind: 'decision', decision: 'refusing-set' }).length >= 1, true);
  });
});
