// Each platform fault on a real broker with a raw client: the record shows the decision, and the
// device's side sees what the fault means (a PUBACK that never comes, a late one, a silent link,
// CONNACK 3 for N attempts, a CONNACK mid-session, pending operations in one PUBLISH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C8yBroker } from './broker.ts';
import { RawClient } from './clients.ts';
import { Platform } from './platform/platform.ts';
import { packetType } from './link-faults.ts';

const LOGIN = { username: 't1/u', password: 'p' };

async function start(extra: Parameters<typeof C8yBroker.start>[0] = {}) {
  return C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'u', password: 'p' }],
    ports: { mqtts: null, ws: null, wss: null },
    ...extra,
  });
}

async function device(broker: C8yBroker, id: string): Promise<RawClient> {
  const c = await RawClient.open({ ports: broker.ports });
  const ack = await c.connect({ clientId: id, ...LOGIN });
  assert.equal(ack.returnCode, 0);
  return c;
}

const publish = (c: RawClient, id: number, payload: string) =>
  c.send({ cmd: 'publish', topic: 's/us', payload, qos: 1, messageId: id, retain: false, dup: false });

const decisions = (b: C8yBroker, name: string) => b.record.select({ kind: 'decision', decision: name });

test('lose the next 2 PUBACKs to the device: only the third arrives, the link stays, each loss recorded', async () => {
  const broker = await start();
  try {
    const c = await device(broker, 'FAULT-1');
    broker.faultPackets('FAULT-1', { type: 'puback', dir: 'out', action: 'lose', count: 2 });
    for (const id of [1, 2, 3]) publish(c, id, `400,e${id},t`);
    const ack = await c.next((p) => p.cmd === 'puback');
    assert.equal((ack as { messageId?: number }).messageId, 3);
    await assert.rejects(c.next((p) => p.cmd === 'puback', 200));
    assert.equal(c.closed, false);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(
      decisions(broker, 'packet-lost').map((e) => [e.type, e.dir, e.messageId]),
      [
        ['puback', 'out', 1],
        ['puback', 'out', 2],
      ],
      'each loss names the packet id it acknowledged',
    );
    assert.equal(
      broker.record.select({ kind: 'packet', type: 'puback', dir: 'out' }).length,
      1,
      'the record shows the wire',
    );
    c.close();
  } finally {
    await broker.close();
  }
});

test("lose the device's next PUBACK: the broker never reads it, the loss is recorded as from the device", async () => {
  const broker = await start();
  const platform = new Platform(broker);
  try {
    const c = await device(broker, 'FAULT-2');
    publish(c, 1, '100,Dev,t');
    c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 's/ds', qos: 1 }] });
    await c.next((p) => p.cmd === 'suback');
    broker.faultPackets('FAULT-2', { type: 'PUBACK' as never, dir: 'in', action: 'lose', count: 1 });
    await platform.createOperation({ device: 'FAULT-2', fragment: 'c8y_Restart' });
    const op = (await c.next((p) => p.cmd === 'publish')) as { messageId: number };
    c.send({ cmd: 'puback', messageId: op.messageId });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(decisions(broker, 'packet-lost').length, 1);
    assert.equal(decisions(broker, 'packet-lost')[0]!.dir, 'in');
    c.close();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await broker.close();
  }
});

test('delay the next SUBACK by 150 ms: it comes late, after nothing that followed it', async () => {
  const broker = await start();
  try {
    const c = await device(broker, 'FAULT-3');
    broker.faultPackets('FAULT-3', { type: 'suback', dir: 'out', action: 'delay', delayMs: 150, count: 1 });
    const t0 = performance.now();
    c.send({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 's/e', qos: 0 }] });
    c.send({ cmd: 'pingreq' });
    const first = await c.next(() => true);
    assert.equal(first.cmd, 'suback', 'order is kept: the PINGRESP waits behind the late SUBACK');
    assert.ok(performance.now() - t0 >= 140, `late by ${performance.now() - t0} ms`);
    await c.next((p) => p.cmd === 'pingresp');
    assert.equal(decisions(broker, 'packet-delayed').length, 1);
    c.close();
  } finally {
    await broker.close();
  }
});

test('black hole: nothing answered; the socket outlives the broker giving up, till the device closes it', async () => {
  const broker = await start();
  try {
    const c = await RawClient.open({ ports: broker.ports });
    await c.connect({ clientId: 'FAULT-4', keepalive: 1, ...LOGIN });
    broker.blackhole('FAULT-4');
    c.send({ cmd: 'pingreq' });
    await assert.rejects(c.next((p) => p.cmd === 'pingresp', 400));
    await new Promise((r) => setTimeout(r, 1800)); // past 1.5 × keepalive
    assert.equal(c.closed, false, 'only the device can notice: the socket is still open');
    const timeout = decisions(broker, 'keepalive-timeout');
    assert.equal(timeout.length, 1);
    assert.equal(timeout[0]!.rule, undefined, 'the silence is the harness doing, not a finding about the device');
    assert.equal(decisions(broker, 'blackhole-held').length, 1);
    assert.equal(decisions(broker, 'link-blackholed').length, 1);
    c.close();
    await broker.record.eventually({ kind: 'connection', action: 'close' }, 2000);
  } finally {
    await broker.close();
  }
});

test('refuse the next 2 reconnects: CONNACK 3 twice, then accepted; each recorded', async () => {
  const broker = await start();
  try {
    const c = await device(broker, 'FAULT-5');
    broker.dropDevice('FAULT-5', { refuseAttempts: 2 });
    await c.whenClosed();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const again = await RawClient.open({ ports: broker.ports });
      codes.push((await again.connect({ clientId: 'FAULT-5', ...LOGIN })).returnCode!);
      again.close();
    }
    assert.deepEqual(codes, [3, 3, 0]);
    assert.equal(decisions(broker, 'reconnect-refused').length, 2);
    assert.equal(decisions(broker, 'reconnects-allowed').length, 1);
  } finally {
    await broker.close();
  }
});

test('a CONNACK 3 mid-session reaches the device on its open connection, which then closes', async () => {
  const broker = await start();
  try {
    const c = await device(broker, 'FAULT-6');
    broker.connackMidSession('FAULT-6', 3);
    const ack = (await c.next((p) => p.cmd === 'connack')) as { returnCode: number };
    assert.equal(ack.returnCode, 3);
    await c.whenClosed();
    assert.equal(decisions(broker, 'connack-mid-session').length, 1);
    assert.throws(() => broker.connackMidSession('FAULT-6', 0), /return code from 1 to 5/);
  } finally {
    await broker.close();
  }
});

test('pending operations pushed in one PUBLISH on a new s/ds subscription, a line each', async () => {
  const broker = await start({ pushPendingOnSubscribe: true, batchPendingOperations: true });
  const platform = new Platform(broker);
  try {
    const c = await device(broker, 'FAULT-7');
    publish(c, 1, '100,Dev,t');
    await c.next((p) => p.cmd === 'puback');
    for (let i = 0; i < 3; i++) await platform.createOperation({ device: 'FAULT-7', fragment: 'c8y_Restart' });
    c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 's/ds', qos: 0 }] });
    const p = (await c.next((x) => x.cmd === 'publish')) as { payload: Buffer };
    assert.equal(p.payload.toString(), '510,FAULT-7\n510,FAULT-7\n510,FAULT-7');
    c.close();
  } finally {
    await broker.close();
  }
});

test('a misspelt or impossible packet type is a clear error, never a silent wait', () => {
  assert.throws(() => packetType('PUBAK', 'out'), /'PUBAK' is not a packet the broker sends: CONNACK, PUBLISH, PUBACK/);
  assert.throws(() => packetType('SUBACK', 'in'), /'SUBACK' is not a packet the device sends/);
  assert.equal(packetType('PubRec', 'in'), 'pubrec');
});

test('rate limit: over it messages wait; more than the queue disconnects, and again while still over', async () => {
  const broker = await start();
  try {
    const c = await device(broker, 'FAULT-8');
    broker.rateLimit('FAULT-8', { perSecond: 5, queue: 3 });
    const t0 = performance.now();
    for (let id = 1; id <= 8; id++) publish(c, id, `400,e${id},t`);
    const acks: number[] = [];
    for (let i = 0; i < 8; i++) {
      await c.next((p) => p.cmd === 'puback', 3000);
      acks.push(performance.now() - t0);
    }
    const shown = acks.map(Math.round).join(', ');
    assert.ok(acks[4]! < 500 && acks[5]! >= 900, `five at once, the three held a second later: ${shown}`);
    assert.equal(decisions(broker, 'rate-limit-queued').length, 3);
    assert.equal(c.closed, false);
    c.close();
    const burst = await device(broker, 'FAULT-9');
    broker.rateLimit('FAULT-9', { perSecond: 5, queue: 3 });
    for (let id = 1; id <= 9; id++) publish(burst, id, `400,e${id},t`);
    await burst.whenClosed(3000);
    assert.equal(decisions(broker, 'rate-limit-disconnect').length, 1, 'four would wait: the queue holds three');
    const again = await device(broker, 'FAULT-9');
    publish(again, 1, '400,e,t');
    await again.whenClosed(2000);
    assert.equal(decisions(broker, 'rate-limit-disconnect').length, 2, 'its first message, still over the limit');
    await new Promise((r) => setTimeout(r, 1100));
    const later = await device(broker, 'FAULT-9');
    publish(later, 1, '400,e,t');
    await later.next((p) => p.cmd === 'puback', 2000);
    later.close();
  } finally {
    await broker.close();
  }
});

test('a PUBLISH sent again with DUP after its PUBACK was lost is acknowledged and not acted on twice', async () => {
  const broker = await start();
  new Platform(broker); // acts on what arrives
  try {
    const c = await device(broker, 'FAULT-9');
    publish(c, 1, '100,Dev,t');
    await c.next((p) => p.cmd === 'puback');
    broker.faultPackets('FAULT-9', { type: 'puback', dir: 'out', action: 'lose', count: 1 });
    publish(c, 2, '400,c8y_Once,happened');
    await new Promise((r) => setTimeout(r, 80));
    const again = (dup: boolean) =>
      c.send({
        cmd: 'publish',
        topic: 's/us',
        payload: '400,c8y_Once,happened',
        qos: 1,
        messageId: 2,
        retain: false,
        dup,
      });
    again(true);
    const ack = await c.next((p) => p.cmd === 'puback');
    assert.equal((ack as { messageId?: number }).messageId, 2, 'the resend is acknowledged');
    again(false);
    await c.next((p) => p.cmd === 'puback');
    await new Promise((r) => setTimeout(r, 60));
    const events = broker.record.select({ kind: 'platform' }).filter((e) => e.change === 'event');
    assert.equal(events.length, 2, 'the DUP resend is not acted on; the same message without DUP is new');
    assert.equal(decisions(broker, 'resend-not-acted-on').length, 1);
    c.close();
  } finally {
    await broker.close();
  }
});
