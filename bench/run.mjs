// Runs the benchmarks in bench/ (all, or those whose file name contains the first argument).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)));
if (benches.length === 0) { console.error(`no benchmark in bench/ matches '${only}'`); process.exit(2); }
let failed = 0;
for (const b of benches) {
  console.log(`== ${b}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(here, b)], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
