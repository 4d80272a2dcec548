// A soak of `c8y-hil broker` as a user runs it (its own process, API with its token): fuzzed
// inputs over every transport, then connect/publish/disconnect cycles, while a sentinel device is
// sent an operation every second (its misses and latency) and the broker's RSS is sampled every
// second. Used by bench/soak.bench.ts (a million of each) and by a short test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { connected, Inbox } from '../../support/broker/clients.ts';
import { rssMiB, stopChild } from './brokers.ts';

const BIN = new URL('../../bin/c8y-hil.mjs', import.meta.url).pathname;
const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
const TRANSPORTS = ['mqtt', 'mqtts', 'ws', 'wss'] as const;

export interface SoakOptions {
  /** in order: fuzzed inputs over every transport, or clean connect/publish/disconnect cycles */
  phases: { name: string; kind: 'fuzz' | 'cycles'; inputs: number }[];
  /** how long the broker idles after each phase before its RSS is read (default 5 s) */
  idleMs?: number;
  /** connections at a time */
  concurrency: number;
  seed: number;
  /**
   * device identities the inputs take in turn: a fleet that reconnects, not a platform that gains a
   * device per connection (its inventory would grow as Cumulocity's does, by design)
   */
  identities?: number;
}
export interface Phase {
  name: string;
  inputs: number;
  seconds: number;
  rssAfterMiB: number;
  /** the broker's own figure of its live JavaScript heap after the idle (GET /health) */
  heapUsedAfterMiB: number;
}
export interface SoakResult {
  baselineMiB: number;
  baselineHeapMiB: number;
  phases: Phase[];
  samples: { s: number; rssMiB: number; phase: string }[];
  sentinel: { operations: number; missed: number; maxLatencyMs: number; medianLatencyMs: number };
  recordValid: boolean;
  /** the size of the record's file */
  recordMiB: number;
}

interface Broker {
  child: ChildProcess;
  ready: Record<string, unknown>;
}

async function startBroker(dir: string): Promise<Broker> {
  const record = join(dir, 'soak.jsonl');
  const child = spawn(process.execPath, [BIN, 'broker', '--credentials', 't1/soak:pw', '--record', record], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`the broker exited with ${c} before it was ready`)));
  });
  return { child, ready: JSON.parse(line) as Record<string, unknown> };
}

function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((state / 2 ** 31) * n);
  };
}

function session(clientId: string, n: number): Buffer {
  return Buffer.concat([
    gen({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      clientId,
      username: 't1/soak',
      password: Buffer.from('pw'),
    }),
    gen({
      cmd: 'publish',
      topic: 's/us',
      payload: Buffer.from(`211,${n % 40}`),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    }),
    gen({ cmd: 'disconnect' }),
  ]);
}

function mutated(rand: (n: number) => number, n: number, identities: number): Buffer {
  if (rand(10) < 3) return Buffer.from(Array.from({ length: 1 + rand(200) }, () => rand(256)));
  const b = Buffer.from(session(`FUZZ${n % identities}`, n));
  for (let i = 1 + rand(4); i > 0; i--) b[rand(b.length)] = rand(256);
  return b;
}

/** write the bytes on a fresh connection of this transport, then close it when the broker does or after a while */
function throwAt(ready: Record<string, unknown>, t: (typeof TRANSPORTS)[number], bytes: Buffer): Promise<void> {
  const port = Number(ready[t]);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      end();
      resolve();
    }, 300);
    let end = () => {};
    if (t === 'mqtt' || t === 'mqtts') {
      const s =
        t === 'mqtt'
          ? net.connect(port, '127.0.0.1')
          : tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      end = () => s.destroy();
      s.on('error', () => {});
      s.once('close', done);
      s.once(t === 'mqtt' ? 'connect' : 'secureConnect', () => s.end(bytes));
      s.resume();
    } else {
      const ws = new WebSocket(`${t}://127.0.0.1:${port}/mqtt`, 'mqtt', { rejectUnauthorized: false });
      end = () => ws.terminate();
      ws.on('error', () => {});
      ws.once('close', done);
      ws.once('open', () => {
        ws.send(bytes);
        setTimeout(() => ws.close(), 20);
      });
    }
  });
}

async function pooled(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

/** every line of the record parses (read as a stream: a million-input soak writes gigabytes) */
async function validJsonl(path: string): Promise<boolean> {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity }))
    try {
      JSON.parse(line);
    } catch {
      return false;
    }
  return true;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-soak-'));
  const b = await startBroker(dir);
  const pid = b.child.pid!;
  const samples: SoakResult['samples'] = [];
  let phase = 'baseline';
  const t0 = performance.now();
  const sampler = setInterval(
    () => samples.push({ s: Math.round((performance.now() - t0) / 1000), rssMiB: Math.round(rssMiB(pid)), phase }),
    1000,
  );
  const ports = { mqtt: Number(b.ready.mqtt), mqtts: null, ws: null, wss: null };
  const sentinelClient = await connected({ ports }, 'mqtt', {
    clientId: 'SENTINEL',
    username: 't1/soak',
    password: 'pw',
  });
  await sentinelClient.publishAsync('s/us', '100', { qos: 1 });
  await sentinelClient.subscribeAsync('s/ds', { qos: 1 });
  const inbox = new Inbox(sentinelClient);
  const latencies: number[] = [];
  let operations = 0;
  let missed = 0;
  const api = `http://127.0.0.1:${String(b.ready.api)}/operations`;
  const headers = { authorization: `Bearer ${String(b.ready.apiToken)}`, 'content-type': 'application/json' };
  const probe = setInterval(() => {
    operations++;
    const sent = performance.now();
    void fetch(api, { method: 'POST', headers, body: JSON.stringify({ device: 'SENTINEL', fragment: 'c8y_Restart' }) })
      .then(() => inbox.next('s/ds', (p) => p === '510,SENTINEL', 5000))
      .then(() => latencies.push(performance.now() - sent))
      .catch(() => missed++);
  }, 1000);
  const health = async () => {
    const r = await fetch(`http://127.0.0.1:${String(b.ready.api)}/health`, { headers });
    return ((await r.json()) as { memory: { heapUsed: number } }).memory;
  };
  await new Promise((r) => setTimeout(r, 2000));
  const baselineMiB = rssMiB(pid);
  const baselineHeapMiB = (await health()).heapUsed;
  const phases: Phase[] = [];
  const run = async (name: string, inputs: number, job: (i: number) => Promise<void>) => {
    phase = name;
    const start = performance.now();
    await pooled(inputs, o.concurrency, job);
    const seconds = (performance.now() - start) / 1000;
    phase = `${name} (idle)`;
    await new Promise((r) => setTimeout(r, o.idleMs ?? 5000));
    const heapUsedAfterMiB = (await health()).heapUsed;
    phases.push({ name, inputs, seconds: Math.round(seconds), rssAfterMiB: Math.round(rssMiB(pid)), heapUsedAfterMiB });
  };
  const rand = random(o.seed);
  const ids = o.identities ?? 1000;
  for (const p of o.phases)
    await run(p.name, p.inputs, (i) =>
      p.kind === 'fuzz'
        ? throwAt(b.ready, TRANSPORTS[i % 4]!, mutated(rand, i, ids))
        : throwAt(b.ready, 'mqtt', session(`CYCLE${i % ids}`, i)),
    );
  clearInterval(probe);
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(sampler);
  sentinelClient.end(true);
  await stopChild(b.child);
  const recordValid = await validJsonl(String(b.ready.record));
  const recordMiB = Math.round(statSync(String(b.ready.record)).size / 2 ** 20);
  rmSync(dir, { recursive: true, force: true });
  const sorted = [...latencies].sort((x, y) => x - y);
  return {
    baselineMiB: Math.round(baselineMiB),
    baselineHeapMiB,
    phases,
    samples,
    sentinel: {
      operations,
      missed,
      maxLatencyMs: Math.round(sorted.at(-1) ?? 0),
      medianLatencyMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    },
    recordValid,
    recordMiB,
  };
}
