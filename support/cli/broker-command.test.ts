// The standalone broker as a user runs it: a real process, its ready line, signals, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connected } from '../broker/clients.ts';

const BIN = new URL('../../bin/c8y-hil.mjs', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'c8y-hil-cli-'));

function startBroker(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'broker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`broker exited with ${code} before it was ready`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

test('broker prints its ports, serves every transport, and flushes the record on SIGTERM', async () => {
  const dir = tmp();
  const record = join(dir, 'run.jsonl');
  const { child, ready, exited } = startBroker(['--credentials', 't1/u:secret', '--record', record]);
  const r = await ready;
  assert.equal(r.event, 'ready');
  for (const k of ['mqtt', 'mqtts', 'ws', 'wss', 'api'])
    assert.ok(Number.isInteger(r[k]) && (r[k] as number) > 0, `${k} port`);
  assert.equal(r.record, record);
  const ca = readFileSync(r.ca as string, 'utf8');
  const ports = { mqtt: r.mqtt, mqtts: r.mqtts, ws: r.ws, wss: r.wss } as never;
  for (const transport of ['mqtt', 'wss'] as const) {
    const c = await connected({ ports, ca }, transport, {
      clientId: `CLI-${transport}`,
      username: 't1/u',
      password: 'secret',
    });
    await c.publishAsync('s/us', `100,via ${transport}`, { qos: 1 });
    await c.endAsync();
  }
  // the token is in the ready line and in a file only the user can read; the API wants it
  const auth = { authorization: `Bearer ${String(r.apiToken)}` };
  assert.equal(readFileSync(r.apiTokenFile as string, 'utf8').trim(), r.apiToken);
  assert.equal(statSync(r.apiTokenFile as string).mode & 0o777, 0o600);
  assert.equal((await fetch(`http://127.0.0.1:${r.api}/devices`)).status, 401);
  const health = (await (await fetch(`http://127.0.0.1:${r.api}/health`, { headers: auth })).json()) as { ok: boolean };
  assert.equal(health.ok, true);
  // the platform model is behind the API: the devices' 100 lines made them
  const devices = (await (await fetch(`http://127.0.0.1:${r.api}/devices`, { headers: auth })).json()) as {
    devices: { externalId: string; name: string }[];
  };
  assert.deepEqual(
    devices.devices.map((d) => [d.externalId, d.name]),
    [
      ['CLI-mqtt', 'via mqtt'],
      ['CLI-wss', 'via wss'],
    ],
  );
  const body = JSON.stringify({ device: 'CLI-mqtt', fragment: 'c8y_Restart' });
  const created = await fetch(`http://127.0.0.1:${r.api}/operations`, {
    method: 'POST',
    body,
    headers: { ...auth, 'content-type': 'application/json' },
  });
  assert.equal(created.status, 201);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(!existsSync(r.apiTokenFile as string), 'the token file goes with the broker');
  const text = readFileSync(record, 'utf8');
  assert.match(text, /"payload":"100,via mqtt"/);
  assert.match(text, /"payload":"100,via wss"/);
  assert.ok(!text.includes('secret'));
});

test('a YAML config file sets options; flags win over it', async () => {
  const dir = tmp();
  const cfg = join(dir, 'broker.yaml');
  writeFileSync(cfg, 'credentials: ["t9/x:y"]\nports: { mqtts: off, ws: off, wss: off }\nmaxPacketSize: 100\n');
  const { child, ready, exited } = startBroker([
    '--config',
    cfg,
    '--record',
    join(dir, 'r.jsonl'),
    '--api-port',
    'off',
  ]);
  const r = await ready;
  assert.equal(r.mqtts, null);
  assert.equal(r.api, null);
  const c = await connected({ ports: { mqtt: r.mqtt as number, mqtts: null, ws: null, wss: null } }, 'mqtt', {
    clientId: 'CFG',
    username: 't9/x',
    password: 'y',
  });
  const closed = new Promise<void>((res) => c.once('close', () => res()));
  c.publish('s/us', 'x'.repeat(200));
  await closed; // maxPacketSize 100 from the file
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('a port in use and a bad flag each give one line and exit code 2', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const busy = (blocker.address() as net.AddressInfo).port;
  try {
    const res = spawnSync(
      process.execPath,
      [BIN, 'broker', '--credentials', 't/u:p', '--mqtt-port', String(busy), '--record', join(tmp(), 'r.jsonl')],
      { encoding: 'utf8' },
    );
    assert.equal(res.status, 2);
    assert.equal(res.stderr.trim().split('\n').length, 1);
    assert.match(res.stderr, new RegExp(`port ${busy} on 127.0.0.1 is already in use \\(mqtt\\)`));
  } finally {
    blocker.close();
  }
  for (const args of [
    ['--nope'],
    ['--last-will', 'maybe'],
    ['--credentials', 'nouser'],
    ['--config', '/nonexistent/c.yaml'],
    ['--record-window', 'many'],
    ['--record-window', '0'],
  ]) {
    const res = spawnSync(process.execPath, [BIN, 'broker', ...args], { encoding: 'utf8' });
    assert.equal(res.status, 2, `${args.join(' ')} must exit 2`);
    assert.equal(res.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, got ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  }
});

test('c8y-hil cert makes a lab CA once and signs devices; the broker trusts it, preloads templates and runs strict', async () => {
  const dir = tmp();
  const caDir = join(dir, 'ca');
  const issue = (id: string) => spawnSync(process.execPath, [BIN, 'cert', id, '--ca-dir', caDir], { encoding: 'utf8' });
  const first = JSON.parse(issue('BOARD-7').stdout) as { cert: string; key: string; ca: string };
  const caBefore = readFileSync(first.ca, 'utf8');
  const second = JSON.parse(issue('BOARD-8').stdout) as { cert: string };
  assert.equal(readFileSync(first.ca, 'utf8'), caBefore, 'the CA is made once and reused');
  assert.notEqual(readFileSync(second.cert, 'utf8'), readFileSync(first.cert, 'utf8'));
  const templates = join(dir, 'templates.yaml');
  writeFileSync(
    templates,
    'lab_xid: |\n  10,m1,POST,MEASUREMENT,,c8y_T,,c8y_T.T.value,NUMBER,\n  11,r1,c8y_Message,,text\n',
  );
  const { child, ready, exited } = startBroker([
    '--credentials',
    't1/u:p',
    '--record',
    join(dir, 'r.jsonl'),
    '--trust-ca',
    first.ca,
    '--templates',
    templates,
    '--strict',
    '--device-tenant',
    't77',
  ]);
  const r = await ready;
  const ports = { mqtt: r.mqtt, mqtts: r.mqtts, ws: r.ws, wss: r.wss } as never;
  const c = await connected({ ports, ca: readFileSync(r.ca as string, 'utf8') }, 'mqtts', {
    clientId: 'BOARD-7',
    cert: readFileSync(first.cert, 'utf8'),
    key: readFileSync(first.key, 'utf8'),
  });
  await c.publishAsync('s/uc/lab_xid', 'm1,,21.5', { qos: 1 });
  await c.endAsync();
  const auth = { authorization: `Bearer ${String(r.apiToken)}` };
  const devices = (await (await fetch(`http://127.0.0.1:${r.api}/devices/BOARD-7`, { headers: auth })).json()) as {
    measurements: Record<string, { value: number }>;
  };
  assert.equal(devices.measurements['c8y_T.T']!.value, 21.5);
  const collections = (await (await fetch(`http://127.0.0.1:${r.api}/collections`, { headers: auth })).json()) as {
    collections: { xid: string }[];
  };
  assert.deepEqual(
    collections.collections.map((x) => x.xid),
    ['lab_xid'],
  );
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const accepted = readFileSync(join(dir, 'r.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"connection-accepted"'));
  assert.match(accepted[0]!, /"tenant":"t77".*"auth":"certificate"/);
});

test('bad templates files, a CA that is no PEM and a bad cert call: one line naming the file (and line), exit 2', () => {
  const dir = tmp();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'dm:\n  - 10,a,POST,EVENT,,t,x,\n  - 10,b,FETCH,EVENT,,t,x,\n');
  const notPem = join(dir, 'ca.txt');
  writeFileSync(notPem, 'hello');
  const cases: [string[], RegExp][] = [
    [
      ['broker', '--templates', bad],
      new RegExp(`${bad}:3: collection 'dm', template line 2: request template b: EVENT takes POST, not 'FETCH'`),
    ],
    [['broker', '--templates', join(dir, 'missing.yaml')], /cannot read the templates file .*missing.yaml/],
    [['broker', '--trust-ca', notPem], new RegExp(`--trust-ca ${notPem} is not a PEM file`)],
    [['cert'], /give exactly one DEVICE_ID/],
    [['cert', 'a:b'], /may not hold ':'/],
  ];
  for (const [args, message] of cases) {
    const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, message);
  }
});

test('--record-sync: a kill -9 under a QoS 1 load loses no PUBLISH the device saw acknowledged', async () => {
  const dir = tmp();
  const record = join(dir, 'sync.jsonl');
  const { child, ready, exited } = startBroker([
    '--credentials',
    't1/u:p',
    '--record',
    record,
    '--record-sync',
    '--mqtts-port',
    'off',
    '--ws-port',
    'off',
    '--wss-port',
    'off',
    '--api-port',
    'off',
  ]);
  const r = await ready;
  const c = await connected({ ports: { mqtt: r.mqtt, mqtts: null, ws: null, wss: null } as never }, 'mqtt', {
    clientId: 'SYNC-1',
    username: 't1/u',
    password: 'p',
    reconnectPeriod: 0,
  });
  c.on('error', () => {});
  const acked: number[] = [];
  let n = 0;
  // 20 in flight at a time, until the broker is killed
  const sender = async () => {
    for (;;) {
      const i = ++n;
      try {
        await c.publishAsync('s/us', `211,${i}`, { qos: 1 });
      } catch {
        return;
      }
      acked.push(i);
    }
  };
  const senders = Array.from({ length: 20 }, sender);
  while (acked.length < 500) await new Promise((res) => setTimeout(res, 10));
  child.kill('SIGKILL');
  await exited;
  c.end(true);
  await Promise.all(senders);
  const text = readFileSync(record, 'utf8');
  const missing = acked.filter((i) => !text.includes(`"payload":"211,${i}"`));
  assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged PUBLISHes are not in the record`);
});
