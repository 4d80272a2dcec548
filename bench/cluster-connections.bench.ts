// Connections held across a cluster: BENCH_CLUSTER_CONNECTIONS (default 50,000) plain CONNECTs
// spread evenly over BENCH_CLUSTER_PROCESSES (default 2) recording c8y-hil broker processes on one
// real redis-server (c8y-hil broker --redis), side by side with one process's share on a broker
// without Redis. For each: connections a second while they connect and memory per connection
// (each broker's RSS, and Redis's). A process holds at most as many sockets as its limit of open
// files allows: a share above it is cut to fit, and the run says so. The connections come from
// holder processes (bench/lib/connection-holder.ts) of at most 15,000 each. Prints a table and
// writes reports/bench/cluster-connections.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeBroker, stopChild, type Server, rssMiB } from './lib/brokers.ts';
import { startRedis } from '../support/broker/redis-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const WANTED = Number(process.env.BENCH_CLUSTER_CONNECTIONS ?? 50_000);
const PROCESSES = Number(process.env.BENCH_CLUSTER_PROCESSES ?? 2);
const PER_HOLDER = 15_000;
const out = join(here, '..', 'reports', 'bench', 'cluster-connections.json');
const tmp = mkdtempSync(join(tmpdir(), 'c8y-hil-bench-cluster-'));

const openFiles = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 1024;
// what a broker process can hold: its limit of open files, less what it has open besides
const share = Math.min(Math.ceil(WANTED / PROCESSES), openFiles - 300);
const total = share * PROCESSES;

type Held = { held: number; ms: number };

function holder(port: number, count: number, prefix: string): { child: ChildProcess; held: Promise<Held> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'lib', 'connection-holder.ts'), String(port), String(count), prefix],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const held = new Promise<Held>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Held));
    child.once('exit', (c) => reject(new Error(`a connection holder exited with ${c} before it held its ${count}`)));
  });
  return { child, held };
}

/** `count` connections to each port, from holders of at most PER_HOLDER each */
async function hold(ports: number[], count: number): Promise<{ held: number; seconds: number; stop(): Promise<void> }> {
  const holders = ports.flatMap((port, p) =>
    Array.from({ length: Math.ceil(count / PER_HOLDER) }, (_, h) =>
      holder(port, Math.min(PER_HOLDER, count - h * PER_HOLDER), `BENCH-${p}-${h}-`),
    ),
  );
  // from each holder's first CONNECT to its last CONNACK (not its start-up), the slowest holder
  const all = await Promise.all(holders.map((h) => h.held));
  const held = all.reduce((a, b) => a + b.held, 0);
  const seconds = Math.max(...all.map((h) => h.ms)) / 1000;
  return { held, seconds, stop: async () => void (await Promise.all(holders.map((h) => stopChild(h.child)))) };
}

interface Row {
  setup: string;
  connections: number;
  perSecond: number;
  brokerMiB: number[];
  redisMiB: number | null;
  kibPerConnection: number;
}

async function measure(setup: string, servers: Server[], redisPid?: number): Promise<Row> {
  await new Promise((r) => setTimeout(r, 500));
  const before = servers.map((s) => rssMiB(s.pid));
  const redisBefore = redisPid ? rssMiB(redisPid) : 0;
  const h = await hold(
    servers.map((s) => s.port),
    share,
  );
  await new Promise((r) => setTimeout(r, 1000));
  const after = servers.map((s) => rssMiB(s.pid));
  const redisAfter = redisPid ? rssMiB(redisPid) : 0;
  await h.stop();
  await Promise.all(servers.map((s) => s.stop()));
  const grown = after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0) + (redisAfter - redisBefore);
  return {
    setup,
    connections: h.held,
    perSecond: Math.round(h.held / h.seconds),
    brokerMiB: after.map(Math.round),
    redisMiB: redisPid ? Math.round(redisAfter) : null,
    kibPerConnection: Math.round((grown * 1024) / Math.max(1, h.held)),
  };
}

if (share * PROCESSES < WANTED)
  console.log(
    `a process may open ${openFiles} files here (ulimit -n): each of the ${PROCESSES} brokers holds ${share}, ` +
      `${total} in all instead of ${WANTED} ` +
      `(raise the limit, or BENCH_CLUSTER_PROCESSES=${Math.ceil(WANTED / (openFiles - 300))})`,
  );
const redis = await startRedis(tmp);
const rows: Row[] = [];
try {
  rows.push(
    await measure('one process, no Redis (one share)', [await nodeBroker('c8y-recording', join(tmp, 'alone.jsonl'))]),
  );
  const brokers: Server[] = [];
  for (let i = 0; i < PROCESSES; i++)
    brokers.push(await nodeBroker('c8y-cluster', join(tmp, `node${i}.jsonl`), redis.url, `node${i}`));
  rows.push(await measure(`${PROCESSES} processes on Redis`, brokers, redis.process.pid));
} finally {
  await redis.stop();
}
console.table(rows);
const ratio = rows[1]!.perSecond / rows[0]!.perSecond;
console.log(`connections a second, cluster of ${PROCESSES} against one process alone: ${ratio.toFixed(2)}`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    { wanted: WANTED, processes: PROCESSES, openFiles, share, rows, ratio, at: new Date().toISOString() },
    null,
    2,
  ) + '\n',
);
console.log(`written: ${out}`);
process.exit(0);
