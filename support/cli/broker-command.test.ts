// The standalone broker as a user runs it: a real process, its ready line, signals, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  for (const k of ['mqtt', 'mqtts', 'ws', 'wss', 'api']) assert.ok(Number.isInteger(r[k]) && (r[k] as number) > 0, `${k} port`);
  assert.equal(r.record, record);
  const ca = readFileSync(r.ca as string, 'utf8');
  const ports = { mqtt: r.mqtt, mqtts: r.mqtts, ws: r.ws, wss: r.wss } as never;
  for (const transport of ['mqtt', 'wss'] as const) {
    const c = await connected({ ports, ca }, transport, { clientId: `CLI-${transport}`, username: 't1/u', password: 'secret' });
    await c.publishAsync('s/us', `100,via ${transport}`, { qos: 1 });
    await c.endAsync();
  }
  const health = await (await fetch(`http://127.0.0.1:${r.api}/health`)).json() as { ok: boolean };
  assert.equal(health.ok, true);
  // the platform model is behind the API: the devices' 100 lines made them
  const devices = await (await fetch(`http://127.0.0.1:${r.api}/devices`)).json() as { devices: { externalId: string; name: string }[] };
  assert.deepEqual(devices.devices.map((d) => [d.externalId, d.name]), [['CLI-mqtt', 'via mqtt'], ['CLI-wss', 'via wss']]);
  const created = await fetch(`http://127.0.0.1:${r.api}/operations`, { method: 'POST', body: JSON.stringify({ device: 'CLI-mqtt', fragment: 'c8y_Restart' }) });
  assert.equal(created.status, 201);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const text = readFileSync(record, 'utf8');
  assert.match(text, /"payload":"100,via mqtt"/);
  assert.match(text, /"payload":"100,via wss"/);
  assert.ok(!text.includes('secret'));
});

test('a YAML config file sets options; flags win over it', async () => {
  const dir = tmp();
  const cfg = join(dir, 'broker.yaml');
  writeFileSync(cfg, 'credentials: ["t9/x:y"]\nports: { mqtts: off, ws: off, wss: off }\nmaxPacketSize: 100\n');
  const { child, ready, exited } = startBroker(['--config', cfg, '--record', join(dir, 'r.jsonl'), '--api-port', 'off']);
  const r = await ready;
  assert.equal(r.mqtts, null);
  assert.equal(r.api, null);
  const c = await connected({ ports: { mqtt: r.mqtt as number, mqtts: null, ws: null, wss: null } }, 'mqtt', { clientId: 'CFG', username: 't9/x', password: 'y' });
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
    const res = spawnSync(process.execPath, [BIN, 'broker', '--credentials', 't/u:p', '--mqtt-port', String(busy), '--record', join(tmp(), 'r.jsonl')], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.equal(res.stderr.trim().split('\n').length, 1);
    assert.match(res.stderr, new RegExp(`port ${busy} on 127.0.0.1 is already in use \\(mqtt\\)`));
  } finally {
    blocker.close();
  }
  for (const args of [['--nope'], ['--last-will', 'maybe'], ['--credentials', 'nouser'], ['--config', '/nonexistent/c.yaml']]) {
    const res = spawnSync(process.execPath, [BIN, 'broker', ...args], { encoding: 'utf8' });
    assert.equal(res.status, 2, `${args.join(' ')} must exit 2`);
    assert.equal(res.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, got ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  }
});
