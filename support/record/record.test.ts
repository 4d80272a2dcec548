import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import mqttPacket from 'mqtt-packet';
import { TrafficRecord } from './record.ts';
import { exactlyOnce, inOrder, select, topicMatches } from './query.ts';
import { RECORD_FORMAT, RECORD_VERSION } from './events.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'c8y-hil-record-'));
const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);

function sampleRecord(path?: string): TrafficRecord {
  const r = new TrafficRecord(path ? { path } : {});
  const c = r.openConnection('mqtt', '127.0.0.1:1');
  c.in(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'd:SN1', username: 't/u', password: Buffer.from('hunter2') }));
  r.add('decision', { decision: 'connection-accepted', conn: c.id });
  c.out(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
  // a publish split across two chunks, and the broker's answer written piecewise as a string and buffers
  const pub = gen({ cmd: 'publish', topic: 's/us', payload: Buffer.from('200,c8y_T,T,21.5'), qos: 1, messageId: 7, retain: false, dup: false });
  c.in(pub.subarray(0, 5));
  c.in(pub.subarray(5));
  c.out(gen({ cmd: 'puback', messageId: 7 }));
  c.in(gen({ cmd: 'publish', topic: 's/us', payload: Buffer.from([0xff, 0xfe, 0x00]), qos: 0, retain: false, dup: false }));
  return r;
}

test('packets are decoded in capture order, interleaved with decisions, with ClientId and sizes', () => {
  const r = sampleRecord();
  const ev = r.events();
  assert.deepEqual(ev.map((e) => e.kind === 'packet' ? `${e.dir}:${e.type}` : `${e.kind}`),
    ['meta', 'connection', 'in:connect', 'decision', 'out:connack', 'in:publish', 'out:puback', 'in:publish']);
  const pub = ev[5]!;
  assert.equal(pub.clientId, 'd:SN1');
  assert.equal((pub.packet as { payload: string }).payload, '200,c8y_T,T,21.5');
  assert.equal(pub.size, 2 + 2 + 4 + 2 + 16);
  const binary = ev[7]!.packet as { payload: string; payloadEncoding: string };
  assert.equal(binary.payloadEncoding, 'base64');
  assert.equal(Buffer.from(binary.payload, 'base64').toString('hex'), 'fffe00');
  assert.deepEqual(ev.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(ev.every((e, i) => i === 0 || e.t >= ev[i - 1]!.t));
});

test('the JSONL file has a versioned header, one event a line, and no password', () => {
  const path = join(tmp(), 'r.jsonl');
  const r = sampleRecord(path);
  r.close();
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('hunter2'));
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].format, RECORD_FORMAT);
  assert.equal(lines[0].version, RECORD_VERSION);
  assert.equal(lines[2].packet.passwordSet, true);
  assert.equal(lines.length, 9);
  assert.ok(lines.every((l) => typeof l.wall === 'string' && !Number.isNaN(Date.parse(l.wall))));
});

test('bytes that are not MQTT are flagged once, and the rest of that direction is counted, not guessed', () => {
  const r = new TrafficRecord();
  const c = r.openConnection('mqtt');
  c.in(Buffer.from([0x00, 0x00])); // packet type 0 is reserved
  c.in(Buffer.from('more junk'));
  const bad = r.select({ decision: 'undecodable-bytes' });
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.dir, 'in');
});

test('a crash leaves everything recorded up to the crash on disk', () => {
  const path = join(tmp(), 'crash.jsonl');
  const script = join(tmp(), 'crash.mjs');
  writeFileSync(script, `
    import { TrafficRecord } from ${JSON.stringify(new URL('./record.ts', import.meta.url).pathname)};
    const r = new TrafficRecord({ path: ${JSON.stringify(path)}, flushIntervalMs: 60000 });
    r.add('decision', { decision: 'before-crash' });
    setTimeout(() => { throw new Error('boom'); }, 5);`);
  const root = new URL('../..', import.meta.url).pathname;
  const res = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: root, timeout: 20000 });
  assert.notEqual(res.status, 0);
  const text = readFileSync(path, 'utf8');
  assert.match(text, /before-crash/);
});

test('queries: topic filters, time windows, exactly once, in order', () => {
  const ev = sampleRecord().events();
  assert.ok(topicMatches('s/us/#', 's/us/child/grand'));
  assert.ok(topicMatches('s/+/child', 's/us/child'));
  assert.ok(!topicMatches('s/us', 's/us/child'));
  assert.equal(select(ev, { kind: 'packet', topic: 's/#' }).length, 2);
  assert.equal(exactlyOnce(ev, { type: 'connack' }).ok, true);
  assert.equal(exactlyOnce(ev, { type: 'publish' }).count, 2);
  assert.equal(select(ev, { from: ev[5]!.t, to: ev[5]!.t, type: 'publish' }).length >= 1, true);
  assert.equal(inOrder(ev, [{ type: 'connect' }, { type: 'connack' }, { type: 'puback' }]).ok, true);
  const broken = inOrder(ev, [{ type: 'puback' }, { type: 'connack' }]);
  assert.equal(broken.ok, false);
  assert.equal(broken.brokenAt, 1);
});

test('eventually resolves on a later event and rejects with what it waited for', async () => {
  const r = new TrafficRecord();
  setTimeout(() => r.add('decision', { decision: 'late' }), 30);
  const e = await r.eventually({ decision: 'late' }, 1000);
  assert.equal(e.decision, 'late');
  await assert.rejects(r.eventually({ decision: 'never' }, 50), /no event matching \{"decision":"never"\} within 50 ms/);
});

test('a memory window keeps the latest events in memory and every one in the file', () => {
  const r = new TrafficRecord({ memoryWindow: 100 });
  for (let i = 0; i < 1000; i++) r.add('step', { n: i });
  const kept = r.events();
  assert.ok(kept.length >= 100 && kept.length < 200, `${kept.length} kept`);
  assert.equal(kept.at(-1)!.n, 999);
  r.flush();
  assert.equal(readFileSync(r.path, 'utf8').trim().split('\n').length, 1001, 'the header and every event');
  r.close();
});
