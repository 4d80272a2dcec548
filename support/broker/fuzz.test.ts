// Bounded fuzzing: random bytes and mutated valid packets on every transport. The broker must
// not crash, other clients must keep working, and each protocol error must be in the record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { C8yBroker } from './broker.ts';
import { connected, urlFor } from './clients.ts';
import { TRANSPORTS, type Transport } from './options.ts';

const INPUTS_PER_TRANSPORT = 60;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
let state = seed;
const rand = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state / 2 ** 31; };
const randInt = (n: number) => Math.floor(rand() * n);

const login = { username: 't1/fuzz', password: 'pw' };
let broker: C8yBroker;
let sentinel: MqttClient;

function validSession(): Buffer {
  const g = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
  return Buffer.concat([
    g({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 10, clientId: `F${randInt(1e6)}`, username: login.username, password: Buffer.from(login.password) }),
    g({ cmd: 'publish', topic: 's/us', payload: Buffer.from('200,c8y_F,v,1'), qos: 1, messageId: 1, retain: false, dup: false }),
    g({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 's/e', qos: 1 }] }),
    g({ cmd: 'publish', topic: 's/us', payload: Buffer.from('400,e,"a,b"'), qos: 2, messageId: 3, retain: false, dup: false }),
    g({ cmd: 'pubrel', messageId: 3 }),
    g({ cmd: 'pingreq' }),
  ]);
}

function fuzzInput(): Buffer {
  if (rand() < 0.3) return Buffer.from(Array.from({ length: 1 + randInt(200) }, () => randInt(256)));
  const b = Buffer.from(validSession());
  const mutations = 1 + randInt(4);
  for (let i = 0; i < mutations; i++) {
    const at = randInt(b.length);
    const kind = randInt(3);
    if (kind === 0) b[at] = randInt(256);
    else if (kind === 1) b[at] = b[at]! ^ (1 << randInt(8));
    else return Buffer.concat([b.subarray(0, at), Buffer.from([randInt(256)]), b.subarray(at)]);
  }
  return b;
}

function throwAt(transport: Transport, bytes: Buffer): Promise<void> {
  const port = broker.ports[transport]!;
  return new Promise((resolve) => {
    const finish = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { sock?.destroy(); ws?.terminate(); resolve(); }, 150);
    let sock: net.Socket | undefined;
    let ws: WebSocket | undefined;
    if (transport === 'mqtt' || transport === 'mqtts') {
      sock = transport === 'mqtt'
        ? net.connect(port, '127.0.0.1', () => sock!.write(bytes))
        : tls.connect({ port, host: '127.0.0.1', ca: broker.tls!.ca }, () => sock!.write(bytes));
      sock.on('error', () => {});
      sock.on('close', finish);
    } else {
      ws = new WebSocket(urlFor({ ports: broker.ports }, transport), 'mqtt', { ca: broker.tls!.ca });
      ws.on('open', () => ws!.send(bytes));
      ws.on('error', () => {});
      ws.on('close', finish);
    }
  });
}

before(async () => {
  broker = await C8yBroker.start({ credentials: [{ tenant: 't1', user: 'fuzz', password: 'pw' }] });
  sentinel = await connected({ ports: broker.ports }, 'mqtt', { clientId: 'SENTINEL', ...login });
  await sentinel.publishAsync('s/us', '100', { qos: 1 });
  await sentinel.subscribeAsync('s/ds', { qos: 1 });
});
after(async () => { sentinel.end(true); await broker.close(); });

async function sentinelStillWorks(label: string): Promise<void> {
  const got = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the sentinel device got nothing after fuzzing ${label} (seed ${seed})`)), 2000);
    sentinel.once('message', (_topic, p) => { clearTimeout(t); resolve(String(p)); });
  });
  assert.equal((await broker.send('SENTINEL', 's/ds', `510,SENTINEL,${label}`)).status, 'sent');
  assert.equal(await got, `510,SENTINEL,${label}`);
  await sentinel.publishAsync('s/us', '200,c8y_Alive,v,1', { qos: 1 });
}

for (const transport of TRANSPORTS) {
  test(`fuzzing ${transport}: no crash, others unaffected, protocol errors recorded (seed ${seed})`, async () => {
    for (let i = 0; i < INPUTS_PER_TRANSPORT; i += 10) {
      await Promise.all(Array.from({ length: 10 }, () => throwAt(transport, fuzzInput())));
    }
    await sentinelStillWorks(transport);
    const events = broker.record.events();
    const opened = events.filter((e) => e.kind === 'connection' && e.action === 'open' && e.transport === transport).length;
    assert.ok(opened >= INPUTS_PER_TRANSPORT, `expected ${INPUTS_PER_TRANSPORT} ${transport} connections in the record, saw ${opened}`);
    // every connection on which the record saw bytes that are not MQTT also has the broker's error decision
    const undecodable = new Set(events.filter((e) => e.decision === 'undecodable-bytes' && e.dir === 'in').map((e) => e.conn));
    const brokerNoticed = new Set(events.filter((e) => e.decision === 'connection-error' || e.decision === 'client-error' || e.decision === 'oversized-packet').map((e) => e.conn));
    const missed = [...undecodable].filter((c) => !brokerNoticed.has(c));
    assert.deepEqual(missed, [], `protocol errors without a broker decision on ${missed.join(', ')} (seed ${seed})`);
    assert.ok(undecodable.size > 0, 'the fuzz inputs produced no protocol error at all');
  });
}
