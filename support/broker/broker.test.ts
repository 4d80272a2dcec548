// Integration tests: real mqtt.js clients (and a raw socket where the protocol detail matters)
// against the broker on ephemeral ports, for each rule of SPEC sections 1 to 4.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { C8yBroker, type UpstreamMessage } from './broker.ts';
import mqtt from 'mqtt';
import { connectClient, connected, RawClient, urlFor, type Endpoint } from './clients.ts';
import { TRANSPORTS } from './options.ts';
import { RECORD_FORMAT } from '../record/events.ts';

const login = { username: 't100/dev', password: 's3cret' };
const credentials = [{ tenant: 't100', user: 'dev', password: 's3cret' }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

let broker: C8yBroker;
let ep: Endpoint;
const upstream: UpstreamMessage[] = [];
const open: MqttClient[] = [];
let serial = 0;
const newId = () => `SN${process.pid}-${++serial}`;

async function device(id: string, extra: Parameters<typeof connected>[2] = {}, transport: (typeof TRANSPORTS)[number] = 'mqtt') {
  const c = await connected(ep, transport, { clientId: id, ...login, ...extra });
  open.push(c);
  return c;
}

before(async () => {
  broker = await C8yBroker.start({ credentials });
  ep = { ports: broker.ports, ca: broker.tls!.ca };
  broker.onUpstream((m) => upstream.push(m));
});
after(async () => {
  for (const c of open) c.end(true);
  await broker.close();
});

test('TLS clients verify the broker certificate against the generated CA', async () => {
  await assert.rejects(connectClient({ ports: broker.ports }, 'mqtts', { clientId: newId(), ...login }), /self.signed|unable to verify|certificate/i);
});

// every rule, over every transport
for (const transport of TRANSPORTS) {
  const dev = (id: string, extra: Parameters<typeof connected>[2] = {}) => device(id, extra, transport);
  /** a device registers, subscribes to s/ds at QoS 1 and disconnects */
  const subscribedThenGone = async (id: string, clean: boolean) => {
    const c = await dev(id, { clean });
    await c.publishAsync('s/us', '100', { qos: 1 });
    await c.subscribeAsync('s/ds', { qos: 1 });
    await c.endAsync();
  };
  describe(`endpoint and login over ${transport} (SPEC 1, 2)`, () => {
    test('CONNACK 0 and a publish', async () => {
      const id = newId();
      const c = await dev(id);
      await c.publishAsync('s/us', '100,On ' + transport, { qos: 1 });
      const e = await broker.record.eventually({ kind: 'packet', type: 'publish', dir: 'in', clientId: id }, 2000);
      assert.equal(e.transport, transport);
      assert.equal((e.packet as { payload: string }).payload, '100,On ' + transport);
      c.end(true);
    });

    test('every CONNACK refusal code, and each one recorded with its reason', async () => {
      const cases: [string, object, number, string][] = [
        ['an empty ClientId', { clientId: '', clean: true }, 2, 'clientid-rejected'],
        ['four ClientId parts', { clientId: 'd:a:b:c' }, 2, 'clientid-rejected'],
        ['connection type x', { clientId: 'x:SN9' }, 2, 'clientid-rejected'],
        ['an empty device identifier', { clientId: 'd::tpl' }, 2, 'clientid-rejected'],
        ['a wrong password', { clientId: newId(), username: 't100/dev', password: 'nope' }, 4, 'login-refused'],
        ['an unknown user', { clientId: newId(), username: 't100/other', password: 's3cret' }, 4, 'login-refused'],
        ['a username without a tenant', { clientId: newId(), username: 'dev', password: 's3cret' }, 5, 'login-refused'],
        ['no credentials', { clientId: newId(), username: undefined, password: undefined }, 5, 'login-refused'],
      ];
      for (const [what, opts, code, decision] of cases) {
        const since = broker.record.events().length;
        const { client, returnCode } = await connectClient(ep, transport, { ...login, ...opts });
        client.end(true);
        assert.equal(returnCode, code, `${what} must get CONNACK ${code}`);
        const d = broker.record.events().slice(since).find((e) => e.kind === 'decision' && e.decision === decision);
        assert.ok(d, `${what}: the record must hold a ${decision} decision`);
        assert.equal(d.returnCode, code);
      }
    });

    test('CONNACK 1 for a protocol level other than 3.1 or 3.1.1', async () => {
      const raw = await RawClient.open(ep, transport);
      raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 10, clientId: newId(), ...login, password: Buffer.from(login.password) } as never);
      const ack = await raw.next((p) => p.cmd === 'connack');
      assert.equal((ack as { returnCode?: number; reasonCode?: number }).returnCode ?? (ack as { reasonCode?: number }).reasonCode, 1);
      raw.close();
    });

    test('MQTT 3.1 (MQIsdp) is accepted', async () => {
      const { client, returnCode } = await connectClient(ep, transport, { clientId: newId(), ...login, protocolVersion: 3, protocolId: 'MQIsdp' });
      client.end(true);
      assert.equal(returnCode, 0);
    });

    test('the three ClientId shapes are one device: the newer connection takes over', async () => {
      const id = newId();
      const first = await dev(id);
      const firstClosed = new Promise<void>((r) => first.once('close', () => r()));
      const second = await dev(`d:${id}`);
      await firstClosed;
      const third = await dev(`d:${id}:myTemplate`);
      await new Promise<void>((r) => (second.connected ? second.once('close', () => r()) : r()));
      assert.ok(third.connected);
      const takeovers = broker.record.select({ kind: 'decision', decision: 'takeover', where: (e) => e.deviceId === id });
      assert.equal(takeovers.length, 2);
      assert.equal(takeovers[0]!.previousClientId, id);
      assert.equal(takeovers[1]!.previousClientId, `d:${id}`);
    });

    test('passwords never reach the record', async () => {
      const c = await dev(newId());
      c.end(true);
      broker.record.flush();
      const text = JSON.stringify(broker.record.events());
      assert.ok(!text.includes(login.password));
      assert.ok(text.includes('"passwordSet":true'));
      assert.equal(broker.record.events()[0]!.format, RECORD_FORMAT);
    });
  });

  describe(`topic policy, retain and will over ${transport} (SPEC 3)`, () => {
    async function rawDevice(id: string): Promise<RawClient> {
      const raw = await RawClient.open(ep, transport);
      assert.equal((await raw.connect({ clientId: id, ...login })).returnCode, 0);
      return raw;
    }
    async function subscribe(raw: RawClient, subs: [string, number][], messageId: number): Promise<number[]> {
      raw.send({ cmd: 'subscribe', messageId, subscriptions: subs.map(([topic, qos]) => ({ topic, qos })) } as never);
      return (await raw.next((p) => p.cmd === 'suback' && p.messageId === messageId) as { granted: number[] }).granted;
    }

    test('SUBACK 0x80 for topics a device only publishes to; the connection stays open', async () => {
      const id = newId();
      const raw = await rawDevice(id);
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('100'), qos: 1, messageId: 1, retain: false, dup: false });
      await raw.next((p) => p.cmd === 'puback');
      const granted = await subscribe(raw, [['s/us', 1], ['s/us/#', 0], ['s/uc/tpl', 0], ['#', 0], ['s/ds', 1], ['s/e', 0]], 2);
      assert.deepEqual(granted, [128, 128, 128, 128, 1, 0]);
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('200,c8y_T,T,1'), qos: 1, messageId: 3, retain: false, dup: false });
      await raw.next((p) => p.cmd === 'puback' && p.messageId === 3);
      assert.equal(raw.closed, false);
      const refused = broker.record.select({ decision: 'subscription-refused', deviceId: id });
      assert.deepEqual(refused.map((e) => e.topic), ['s/us', 's/us/#', 's/uc/tpl', '#']);
      assert.ok(refused.every((e) => e.rule === 'topics.subscribe-publish-topic' && e.severity === 'violation'));
      raw.close();
    });

    test('s/ds before the device exists is refused; after 100 it is granted; s/e is always allowed', async () => {
      const id = newId();
      const raw = await rawDevice(id);
      assert.deepEqual(await subscribe(raw, [['s/ds', 1], ['s/e', 0]], 1), [128, 0]);
      assert.equal(broker.record.select({ decision: 'subscription-refused', deviceId: id })[0]!.rule, 'topics.subscribe-before-registration');
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('100'), qos: 1, messageId: 2, retain: false, dup: false });
      await raw.next((p) => p.cmd === 'puback');
      assert.deepEqual(await subscribe(raw, [['s/ds', 2]], 3), [2]);
      raw.close();
    });

    test('a publish outside the topic table is acknowledged, dropped and recorded; other devices never see it', async () => {
      const a = newId(), b = newId();
      const ca = await dev(a);
      await ca.publishAsync('s/us', '100', { qos: 1 });
      await ca.subscribeAsync('s/ds', { qos: 1 });
      const got: string[] = [];
      ca.on('message', (t, p) => got.push(`${t} ${p}`));
      const cb = await dev(b);
      await cb.publishAsync('s/ds', '510,' + a, { qos: 1 }); // resolves on PUBACK
      await cb.publishAsync('foo/bar', 'x', { qos: 2 });
      await sleep(100);
      assert.deepEqual(got, []);
      assert.ok(cb.connected);
      const refused = broker.record.select({ decision: 'publish-refused', where: (e) => e.deviceId === b });
      assert.deepEqual(refused.map((e) => e.topic), ['s/ds', 'foo/bar']);
      assert.ok(refused.every((e) => e.rule === 'topics.publish-unknown' && e.severity === 'violation'));
      assert.ok(!upstream.some((m) => m.deviceId === b));
    });

    test('the retain flag is accepted but nothing is stored, and the broker never sets it', async () => {
      const id = newId();
      const c = await dev(id);
      await c.publishAsync('s/us', '100', { qos: 1, retain: true });
      await c.subscribeAsync('s/ds', { qos: 1 });
      const msg = new Promise<boolean>((r) => c.once('message', (_t, _p, pkt) => r(pkt.retain)));
      await broker.send(id, 's/ds', `510,${id}`);
      assert.equal(await msg, false);
      assert.equal(await broker.retainedCount(), 0);
      assert.ok(broker.record.select({ decision: 'retain-ignored', where: (e) => e.deviceId === id }).length === 1);
      assert.ok(upstream.some((m) => m.deviceId === id && m.payload.toString() === '100'), 'a retained publish is handled like any other');
      const out = broker.record.select({ kind: 'packet', dir: 'out', type: 'publish' });
      assert.ok(out.length > 0 && out.every((e) => (e.packet as { retain: boolean }).retain === false));
    });

    test('a last will is never published, and the record says the device set one', async () => {
      const id = newId();
      const c = await dev(id, { will: { topic: 's/us', payload: Buffer.from('400,c8y_Will,gone'), qos: 1, retain: false } });
      await c.publishAsync('s/us', '100', { qos: 1 });
      const closed = broker.record.eventually({ kind: 'connection', action: 'close', clientId: id }, 2000);
      c.stream.destroy(); // lose the link without DISCONNECT
      await closed;
      await sleep(50);
      assert.ok(!upstream.some((m) => m.deviceId === id && m.payload.toString().startsWith('400')));
      const will = broker.record.select({ decision: 'will-ignored', where: (e) => e.deviceId === id });
      assert.deepEqual(will.map((e) => [e.rule, e.severity]), [['connect.last-will', 'warning']], 'a will is a warning, never a violation');
    });

    test('option lastWill=deliver processes the will as an upstream publish', async () => {
      const other = await C8yBroker.start({ credentials, lastWill: 'deliver' });
      try {
        const seen: UpstreamMessage[] = [];
        other.onUpstream((m) => seen.push(m));
        const c = await connected({ ports: other.ports, ca: other.tls!.ca }, transport, { clientId: 'W1', ...login, will: { topic: 's/us', payload: Buffer.from('400,c8y_Will,gone'), qos: 1, retain: false } });
        await c.publishAsync('s/us', '100', { qos: 1 });
        c.stream.destroy();
        await other.record.eventually({ decision: 'will-published' }, 2000);
        await sleep(50);
        assert.ok(seen.some((m) => m.will && m.payload.toString() === '400,c8y_Will,gone'));
      } finally {
        await other.close();
      }
    });
  });

  describe(`QoS and sessions over ${transport} (SPEC 4)`, () => {
    for (const qos of [0, 1, 2] as const) {
      test(`downstream arrives at the subscribed QoS ${qos}, and upstream QoS ${qos} is acknowledged`, async () => {
        const id = newId();
        const c = await dev(id);
        await c.publishAsync('s/us', '100', { qos });
        await c.subscribeAsync('s/ds', { qos });
        const got = new Promise<number>((r) => c.once('message', (_t, _p, pkt) => r(pkt.qos)));
        const res = await broker.send(id, 's/ds', `511,${id},ls`);
        assert.deepEqual(res, { status: 'sent', qos });
        assert.equal(await got, qos);
        const inbound = await broker.record.eventually({ kind: 'packet', dir: 'in', type: 'publish', clientId: id }, 1000);
        assert.equal((inbound.packet as { qos: number }).qos, qos);
      });
    }

    test('a QoS 2 publish redelivered with DUP before PUBREL is acted on exactly once', async () => {
      const id = newId();
      const raw = await RawClient.open(ep, transport);
      assert.equal((await raw.connect({ clientId: id, ...login })).returnCode, 0);
      const before = upstream.length;
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('200,c8y_Q2,v,1'), qos: 2, messageId: 42, retain: false, dup: false });
      await raw.next((p) => p.cmd === 'pubrec');
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('200,c8y_Q2,v,1'), qos: 2, messageId: 42, retain: false, dup: true });
      await raw.next((p) => p.cmd === 'pubrec');
      raw.send({ cmd: 'pubrel', messageId: 42 });
      await raw.next((p) => p.cmd === 'pubcomp');
      await sleep(50);
      assert.equal(upstream.slice(before).filter((m) => m.deviceId === id).length, 1);
      raw.close();
    });

    test('clean session 0: operations queued while offline arrive on reconnect without a new SUBSCRIBE', async () => {
      const id = newId();
      await subscribedThenGone(id, false);
      assert.equal((await broker.send(id, 's/ds', `510,${id}`)).status, 'queued');
      assert.equal((await broker.send(id, 's/ds', `511,${id},reboot`)).status, 'queued');
      const since = broker.record.events().length;
      // the listener must be there before CONNACK: queued messages follow it at once
      const got: string[] = [];
      const c2 = mqtt.connect(urlFor(ep, transport), { clientId: id, ...login, clean: false, reconnectPeriod: 0, ca: ep.ca });
      open.push(c2);
      c2.on('message', (_t, p) => got.push(String(p)));
      await until(() => got.length >= 2, 2000);
      assert.deepEqual(got, [`510,${id}`, `511,${id},reboot`]);
      const subs = broker.record.events().slice(since).filter((e) => e.kind === 'packet' && e.type === 'subscribe');
      assert.equal(subs.length, 0);
      const delivered = broker.record.events().slice(since).filter((e) => e.kind === 'packet' && e.dir === 'out' && e.type === 'publish').map((e) => (e.packet as { payload: string }).payload);
      assert.deepEqual(delivered, [`510,${id}`, `511,${id},reboot`]);
    });

    test('clean session 0: an unacknowledged QoS 1 delivery is resent with DUP on reconnect', async () => {
      const id = newId();
      const raw = await RawClient.open(ep, transport);
      await raw.connect({ clientId: id, ...login, clean: false });
      raw.send({ cmd: 'publish', topic: 's/us', payload: Buffer.from('100'), qos: 0, retain: false, dup: false });
      raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 's/ds', qos: 1 }] } as never);
      await raw.next((p) => p.cmd === 'suback');
      await broker.send(id, 's/ds', `510,${id}`);
      const first = await raw.next((p) => p.cmd === 'publish') as { dup: boolean; messageId: number };
      assert.equal(first.dup, false);
      raw.close(); // never acknowledged
      await broker.record.eventually({ kind: 'connection', action: 'close', clientId: id }, 2000);
      const raw2 = await RawClient.open(ep, transport);
      const ack = await raw2.connect({ clientId: id, ...login, clean: false });
      assert.equal(ack.sessionPresent, true);
      const again = await raw2.next((p) => p.cmd === 'publish') as { dup: boolean; messageId: number; payload: Buffer };
      assert.equal(again.dup, true);
      assert.equal(again.payload.toString(), `510,${id}`);
      raw2.send({ cmd: 'puback', messageId: again.messageId });
      raw2.close();
    });

    test('clean session 1 keeps nothing: the device must subscribe again', async () => {
      const id = newId();
      await subscribedThenGone(id, true);
      assert.equal((await broker.send(id, 's/ds', `510,${id}`)).status, 'dropped-offline');
      const c2 = await dev(id, { clean: true });
      const got: string[] = [];
      c2.on('message', (_t, p) => got.push(String(p)));
      assert.equal((await broker.send(id, 's/ds', `510,${id}`)).status, 'not-subscribed');
      await sleep(100);
      assert.deepEqual(got, []);
    });

    test('a packet over 16184 bytes closes the connection and the reason is recorded', async () => {
      const id = newId();
      const c = await dev(id);
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish('s/us', '400,c8y_Big,' + 'x'.repeat(17000), { qos: 0 });
      await closed;
      const d = await broker.record.eventually({ decision: 'oversized-packet', clientId: id }, 1000);
      assert.ok((d.size as number) > 16184);
      assert.equal(d.limit, 16184);
      // a packet just under the limit is fine
      const c2 = await dev(newId());
      await c2.publishAsync('s/us', '400,c8y_Fits,' + 'x'.repeat(16000), { qos: 1 });
      assert.ok(c2.connected);
    });
  });
}

test('every documented topic is served: s/dt, s/dat, s/dcr, s/dd, s/dc/<X-ID>, error, devicecontrol/notifications; s/ut/<X-ID> is accepted', async () => {
  const id = newId();
  const c = await device(id);
  await c.publishAsync('s/us', '100', { qos: 1 });
  const topics = ['s/dt', 's/dat', 's/dcr', 's/dd', 's/dc/xid', 'error', 'devicecontrol/notifications', 's/ds', 's/e'];
  const granted = await c.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])));
  assert.deepEqual(granted.map((g) => g.qos), topics.map(() => 1));
  await c.publishAsync('s/ut/xid', '', { qos: 1 });
  await c.publishAsync('s/uat', '', { qos: 1 });
  await c.publishAsync('s/ud', '', { qos: 1 });
  assert.deepEqual(broker.record.select({ kind: 'decision', where: (e) => e.deviceId === id && (e.decision === 'subscription-refused' || e.decision === 'publish-refused') }), []);
});

test('clean session 0 is a warning; strict runs count warnings as violations', async () => {
  const id = newId();
  await device(id, { clean: false });
  const warned = broker.record.select({ decision: 'clean-session-0', where: (e) => e.deviceId === id });
  assert.deepEqual(warned.map((e) => [e.rule, e.severity]), [['sessions.clean-session-0', 'warning']]);
  const strict = await C8yBroker.start({ credentials, strict: true, ports: { mqtt: 0, mqtts: null, ws: null, wss: null } });
  try {
    const c = await connected({ ports: strict.ports }, 'mqtt', { clientId: id, ...login, will: { topic: 's/us', payload: Buffer.from('400,a,b'), qos: 0, retain: false } });
    c.end(true);
    assert.equal(strict.record.select({ decision: 'will-ignored' })[0]!.severity, 'violation');
  } finally {
    await strict.close();
  }
});
