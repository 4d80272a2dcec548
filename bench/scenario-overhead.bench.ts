// What a scenario costs before and after its steps, as the hooks do it: a fresh broker, platform
// and record up (Lab.start), the device's faults cleared and the device reset into it, then the
// device disconnected and the lab down (Lab.close). BENCH_SCENARIOS times (default 40) on the
// built-in emulated device; median and p95 of each part and of the whole. Writes
// reports/bench/scenario-overhead.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../support/lab.ts';
import { builtInLab } from '../support/lab-file.ts';
import { deviceUnderTest, stopDeviceUnderTest } from '../support/device-pool.ts';
import { percentile } from '../support/checks/measure.ts';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_SCENARIOS ?? 40);
const out = join(here, '..', 'reports', 'bench', 'scenario-overhead.json');
const records = mkdtempSync(join(tmpdir(), 'c8y-hil-bench-scenario-'));

const lab = builtInLab();
const dut = await deviceUnderTest(lab);
const parts = { up: [] as number[], reset: [] as number[], down: [] as number[], total: [] as number[] };
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const l = await Lab.start({ recordDir: records, name: `scenario-${i}`, settings: lab.broker, parentDir: dut.dir });
  const t1 = performance.now();
  dut.device.setRecord(l.record);
  if (dut.device.has('clearFaults')) await dut.device.action('clearFaults');
  await dut.device.reset();
  const t2 = performance.now();
  await dut.device.disconnect().catch(() => {});
  dut.device.setRecord(undefined);
  await l.close();
  const t3 = performance.now();
  parts.up.push(t1 - t0);
  parts.reset.push(t2 - t1);
  parts.down.push(t3 - t2);
  parts.total.push(t3 - t0);
}
await stopDeviceUnderTest();
rmSync(records, { recursive: true, force: true });
const round = (v: number) => Math.round(v * 10) / 10;
const rows = Object.entries(parts).map(([part, v]) => ({
  part,
  medianMs: round(percentile(v, 50)),
  p95Ms: round(percentile(v, 95)),
}));
console.table(rows);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ scenarios: N, rows, at: new Date().toISOString() }, null, 2) + '\n');
console.log(`written: ${out}`);
process.exit(0);
