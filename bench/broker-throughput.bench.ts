// Throughput of the recording broker against the same broker without recording, plain aedes,
// and mosquitto (Debian's package) as a reference: QoS 0 and 1, several publishers and one
// subscriber, all in one run with the variants interleaved round by round (the machine is noisy).
// Prints a table and the ratios, and writes reports/bench/broker-throughput.json.
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadResult } from './lib/raw-load.ts';
import { mosquitto, nodeBroker, type Server } from './lib/brokers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 4);
const out = join(here, '..', 'reports', 'bench', 'broker-throughput.json');
const tmp = mkdtempSync(join(tmpdir(), 'c8y-hil-bench-'));

const variants: { name: string; start: (round: number, qos: number) => Promise<Server | undefined> }[] = [
  { name: 'aedes', start: () => nodeBroker('aedes') },
  { name: 'c8y-hil, recording off', start: () => nodeBroker('c8y-plain') },
  {
    name: 'c8y-hil, recording',
    start: (round, qos) => nodeBroker('c8y-recording', join(tmp, `record-q${qos}-r${round}.jsonl`)),
  },
  {
    name: 'c8y-hil, --record-sync',
    start: (round, qos) => nodeBroker('c8y-recording-sync', join(tmp, `sync-q${qos}-r${round}.jsonl`)),
  },
  { name: 'mosquitto', start: () => mosquitto(tmp) },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const results: Record<string, Record<string, LoadResult[]>> = {};
let mosquittoMissing = false;

for (const qos of [0, 1] as const) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const server = await v.start(round, qos);
      if (!server) {
        mosquittoMissing = true;
        continue;
      }
      try {
        const r: LoadResult & { drainMs?: number; recordLines?: number } = await runLoad({
          port: server.port,
          qos,
          publishers: PUBLISHERS,
          seconds: SECONDS,
          warmupSeconds: 0.5,
          window: 2000,
          payload: '200,c8y_Temperature,T,21.5,C',
          topic: 's/us',
        });
        await server.stop();
        const closed = await server.closing;
        if (closed && v.name === 'c8y-hil, recording') Object.assign(r, closed);
        ((results[`qos${qos}`] ??= {})[v.name] ??= []).push(r);
        process.stdout.write(
          `qos ${qos} round ${round + 1}/${ROUNDS} ${v.name.padEnd(24)} ` +
            `${Math.round(r.rate).toString().padStart(8)} msg/s${r.lost ? ` (${r.lost} lost)` : ''}` +
            (r.drainMs !== undefined
              ? `; record complete ${Math.round(r.drainMs)} ms after the load, ${r.recordLines} events`
              : '') +
            '\n',
        );
      } finally {
        await server.stop();
      }
    }
  }
}

const summary: Record<string, Record<string, number>> = {};
console.log(
  '\nmedian msg/s (one subscriber, %d publishers, %d s per measurement, %d rounds)',
  PUBLISHERS,
  SECONDS,
  ROUNDS,
);
for (const [qos, byVariant] of Object.entries(results)) {
  const med = Object.fromEntries(Object.entries(byVariant).map(([k, rs]) => [k, median(rs.map((r) => r.rate))]));
  const rec = med['c8y-hil, recording']!,
    plain = med['c8y-hil, recording off']!,
    aedes = med['aedes']!,
    mosq = med['mosquitto'];
  summary[qos] = {
    ...med,
    'recording / recording off': rec / plain,
    'recording cost (%)': (1 - rec / plain) * 100,
    'recording / aedes': rec / aedes,
    // each round measures the two one after the other: the median of those ratios is less moved by
    // a slow spell of the machine than the ratio of the medians
    'recording / aedes, by round': median(
      byVariant['c8y-hil, recording']!.map((r, i) => r.rate / byVariant['aedes']![i]!.rate),
    ),
    'recording off / aedes': plain / aedes,
    '--record-sync / recording': med['c8y-hil, --record-sync']! / rec,
    ...(mosq ? { 'recording / mosquitto': rec / mosq } : {}),
    'record complete after load (ms)': median(
      byVariant['c8y-hil, recording']!.map((r) => (r as { drainMs?: number }).drainMs ?? NaN),
    ),
  };
  console.log(`${qos}:`);
  for (const [k, v] of Object.entries(summary[qos]!))
    console.log(
      `  ${k.padEnd(32)} ${k.includes(' / ') ? v.toFixed(3) : k.includes('%') ? v.toFixed(1) : Math.round(v)}`,
    );
}
if (mosquittoMissing)
  console.log(
    '\nmosquitto is not installed, so there is no reference figure: ' +
      'apt-get install -y --no-install-recommends mosquitto',
  );
let recordBytes = 0;
try {
  recordBytes = statSync(join(tmp, `record-q1-r${ROUNDS - 1}.jsonl`)).size;
} catch {
  /* none */
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      bench: 'broker-throughput',
      when: new Date().toISOString(),
      node: process.version,
      rounds: ROUNDS,
      seconds: SECONDS,
      publishers: PUBLISHERS,
      summary,
      results,
      lastRecordBytes: recordBytes,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwritten: ${out}`);
