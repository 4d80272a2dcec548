// Soak: BENCH_SOAK_FUZZ fuzzed inputs over every transport (default 1,000,000), then
// BENCH_SOAK_CYCLES connect/publish/disconnect cycles (default 1,000,000), 50 connections at a
// time and 1,000 device identities in turn, against `c8y-hil broker` with a sentinel device sent
// an operation every second. The broker's RSS every second goes into reports/bench/soak.json;
// after each phase and BENCH_SOAK_IDLE_MS of quiet (default 15 s, in which the broker collects
// its garbage: support/broker/idle-gc.ts) it should be back within 20% of the baseline.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSoak } from './lib/soak.ts';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'reports', 'bench', 'soak.json');
const r = await runSoak({
  phases: [
    { name: 'fuzz', kind: 'fuzz', inputs: Number(process.env.BENCH_SOAK_FUZZ ?? 1_000_000) },
    { name: 'cycles', kind: 'cycles', inputs: Number(process.env.BENCH_SOAK_CYCLES ?? 1_000_000) },
  ],
  concurrency: 50,
  seed: Number(process.env.BENCH_SOAK_SEED ?? 20261202),
  idleMs: Number(process.env.BENCH_SOAK_IDLE_MS ?? 15_000),
});
console.log(`baseline RSS ${r.baselineMiB} MiB (JavaScript heap ${r.baselineHeapMiB} MiB)`);
for (const p of r.phases) {
  const ratio = p.rssAfterMiB / r.baselineMiB;
  console.log(
    `${p.name}: ${p.inputs} inputs in ${p.seconds} s (${Math.round(p.inputs / Math.max(1, p.seconds))}/s); ` +
      `RSS after ${p.rssAfterMiB} MiB, ${ratio.toFixed(2)} of the baseline ` +
      (ratio <= 1.2 ? '(within 20%)' : '(MORE than 20% above)') +
      `; heap ${p.heapUsedAfterMiB} MiB`,
  );
}
const s = r.sentinel;
console.log(
  `sentinel: ${s.operations} operations, ${s.missed} missed, ` +
    `latency median ${s.medianLatencyMs} ms, max ${s.maxLatencyMs} ms`,
);
console.log(`record: ${r.recordMiB} MiB, ${r.recordValid ? 'valid JSONL to its last line' : 'NOT valid JSONL'}`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ ...r, at: new Date().toISOString() }, null, 2) + '\n');
console.log(`written: ${out}`);
process.exit(0);
