// Two broker processes on one real redis-server: one in this process, one a `c8y-hil broker --redis`
// child. A clean-session-0 device moves between them and keeps its queue; an operation created on
// either's API reaches it wherever it is connected; both see the operation end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { C8yBroker } from './broker.ts';
import { connected, Inbox } from './clients.ts';
import { Platform } from './platform/platform.ts';
import { redisMissing, startRedis, type RedisServer } from './redis-server.ts';
import { stopProcess } from '../devices/emulated.ts';
import { mergeRecords } from '../record/merge.ts';

const BIN = new URL('../../bin/c8y-hil.mjs', import.meta.url).pathname;
const LOGIN = { username: 't1/dev', password: 'pw' };
const skip = redisMissing();
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-cluster-'));

let redis: RedisServer;
let a: { broker: C8yBroker; platform: Platform };
let b: { child: ReturnType<typeof spawn>; mqtt: number; api: number; record: string; token: string };

async function startB(url: string): Promise<typeof b> {
  const record = join(dir, 'b.jsonl');
  const args = ['broker', '--redis', url, '--node', 'B', '--credentials', 't1/dev:pw', '--record', record];
  const child = spawn(process.execPath, [BIN, ...args, '--mqtts-port', 'off', '--ws-port', 'off', '--wss-port', 'off']);
  const ready = await new Promise<Record<string, number | string>>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Record<string, number | string>);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`broker B exited with ${code}: ${err}`)));
  });
  return { child, mqtt: Number(ready.mqtt), api: Number(ready.api), record, token: String(ready.apiToken) };
}

before(async () => {
  if (skip) return;
  redis = await startRedis(dir);
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'dev', password: 'pw' }],
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
    cluster: { url: redis.url, node: 'A' },
    recordPath: join(dir, 'a.jsonl'),
  });
  const platform = new Platform(broker);
  await platform.share();
  a = { broker, platform };
  b = await startB(redis.url);
});

after(async () => {
  if (skip) return;
  await a?.broker.close();
  if (b) await stopProcess(b.child);
  await redis?.stop();
});

const portsOf = (mqtt: number) => ({ ports: { mqtt, mqtts: null, ws: null, wss: null } });
const device = (port: number, clientId: string) =>
  connected(portsOf(port), 'mqtt', { clientId, ...LOGIN, clean: false });

async function api(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${b.api}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${b.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within 5 s`);
}

const end = (c: MqttClient) => new Promise<void>((resolve) => c.end(false, {}, () => resolve()));

test(
  'a clean-session-0 device leaves one process, an operation is created on the other, it gets it there',
  { skip },
  async () => {
    const id = 'CLUSTER-1';
    const onA = await device(a.broker.ports.mqtt!, id);
    await onA.publishAsync('s/us', '100', { qos: 2 });
    await onA.subscribeAsync('s/ds', { qos: 1 });
    await end(onA);
    // B knows the device A registered
    await eventually('B sees the device', async () =>
      (await api(`/devices/${id}`)).status === 200 ? true : undefined,
    );
    const created = await api('/operations', { device: id, fragment: 'c8y_Restart' });
    assert.equal(created.status, 201);
    const opId = String(created.json.id);

    const onB = await device(b.mqtt, id);
    const inbox = new Inbox(onB);
    assert.equal(await inbox.next('s/ds', (p) => p.startsWith('510,')), `510,${id}`);
    await onB.publishAsync('s/us', '501,c8y_Restart', { qos: 2 });
    await onB.publishAsync('s/us', '503,c8y_Restart', { qos: 2 });
    // A holds the operation B's device moved
    const op = await eventually('A sees it SUCCESSFUL', () =>
      a.platform.operations.get(opId)?.status === 'SUCCESSFUL' ? a.platform.operations.get(opId) : undefined,
    );
    assert.deepEqual(
      op.history.map((h) => h.status),
      ['PENDING', 'EXECUTING', 'SUCCESSFUL'],
    );

    // an operation created on A reaches the device where it is now (B), forwarded
    const second = await a.platform.createOperation({ device: id, fragment: 'c8y_Restart' });
    assert.equal(await inbox.next('s/ds', (p) => p.startsWith('510,')), `510,${id}`);
    const forwarded = a.broker.record.select({ kind: 'decision', where: (e) => e.decision === 'downstream-forwarded' });
    assert.equal(forwarded.at(-1)?.via, 'B');
    assert.notEqual(second.id, opId);
    await end(onB);
  },
);

test('the processes records merge into one, in wall-time order, connections named by process', { skip }, async () => {
  a.broker.record.flush();
  await fetch(`http://127.0.0.1:${b.api}/record`, { headers: { authorization: `Bearer ${b.token}` } }).then((r) =>
    r.text(),
  ); // B's record is on disk up to now
  const out = join(dir, 'merged.jsonl');
  const n = mergeRecords([join(dir, 'a.jsonl'), b.record], out);
  const events = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(events.length, n);
  const walls = events.slice(1).map((e) => Date.parse(String(e.wall)));
  assert.deepEqual(
    walls,
    [...walls].sort((x, y) => x - y),
  );
  const conns = new Set(events.filter((e) => e.kind === 'packet').map((e) => String(e.conn).split('/')[0]));
  assert.deepEqual([...conns].sort(), ['A', 'B']);
});

test("a lab file's broker.redis: the scenario's broker keeps its inventory and sessions there", { skip }, async () => {
  const { Lab } = await import('../lab.ts');
  const { Redis } = await import('ioredis');
  const lab = await Lab.start({ recordDir: dir, name: 'lab-redis', settings: { redis: redis.url } });
  const r = new Redis(redis.url);
  try {
    const { tenant, user, password } = lab.login;
    const login = { clientId: 'LAB-REDIS-1', username: `${tenant}/${user}`, password };
    const c = await connected({ ports: lab.broker.ports }, 'mqtt', login);
    await c.publishAsync('s/us', '100', { qos: 2 });
    await end(c);
    const prefix = lab.broker.cluster!.prefix;
    const stored = await eventually(
      'the device is in Redis',
      async () => (await r.hget(`${prefix}:device`, 'LAB-REDIS-1')) ?? undefined,
    );
    assert.equal((JSON.parse(stored) as { type: string }).type, 'c8y_MQTTDevice');
    await lab.restartBroker({ downMs: 0, keepSessions: true });
    assert.ok(lab.platform.inventory.has('LAB-REDIS-1'));
  } finally {
    r.disconnect();
    await lab.close();
  }
});
