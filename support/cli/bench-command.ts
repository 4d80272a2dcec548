// `c8y-hil bench [NAME]`: the benchmarks in bench/, each in its own process (they print their
// figures and write JSON to reports/bench/); never run as tests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './usage-error.ts';

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

const benches = () => readdirSync(BENCH).filter((f) => f.endsWith('.bench.ts'));

export function benchHelp(): string {
  return (
    'Usage: c8y-hil bench [NAME]\n\nRuns every benchmark in bench/, or those whose file name contains NAME. ' +
    'Each prints its figures\nand writes JSON to reports/bench/. Benchmarks:\n' +
    benches()
      .map((b) => `  ${b.replace(/\.bench\.ts$/, '')}\n`)
      .join('')
  );
}

export function benchCommand(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(benchHelp());
    return 0;
  }
  const flag = args.find((a) => a.startsWith('-'));
  if (flag) throw new UsageError(`c8y-hil bench takes no option '${flag}' (see c8y-hil bench --help)`);
  if (args.length > 1) throw new UsageError(`c8y-hil bench takes one name at most, not '${args.join(' ')}'`);
  const only = args[0];
  const chosen = benches().filter((f) => !only || f.includes(only));
  if (chosen.length === 0)
    throw new UsageError(`no benchmark in bench/ matches '${only}' (see c8y-hil bench --help for the list)`);
  const res = spawnSync(process.execPath, [join(BENCH, 'run.mjs'), ...(only ? [only] : [])], { stdio: 'inherit' });
  return res.status === 0 ? 0 : 3;
}
