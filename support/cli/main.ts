// The c8y-hil command: one entry, one subcommand a concern.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerCommand } from './broker-command.ts';
import { emulateCommand } from '../emulator/main.ts';
import { UsageError } from './usage-error.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: c8y-hil <command> [options]

Commands:
  run [cucumber flags]   run the conformance suite (cucumber-js; its flags pass through)
  broker [options]       start the standalone recording broker (c8y-hil broker --help)
  bench [name]           run the benchmarks in bench/ (all, or those whose file name contains name)
  emulate --tty PATH     run the emulated reference device on a tty (or --stdio)
  report RECORD.jsonl    render a record as a traffic timeline (not yet available)
`;

function passThrough(bin: string, args: string[]): number {
  const res = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: ROOT });
  return res.status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'broker': return brokerCommand(rest);
    case 'run': return passThrough(join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), rest);
    case 'bench': return passThrough(join(ROOT, 'bench', 'run.mjs'), rest);
    case 'emulate': return emulateCommand(rest);
    case 'report':
      throw new UsageError(`'${command}' is not available yet in this version of c8y-hil`);
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}' (c8y-hil --help lists the commands)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: Error) => {
    // a clear line, never a stack trace, for what the user can fix; exit 2 for usage and setup problems
    process.stderr.write(`c8y-hil: ${err.message}\n`);
    process.exitCode = err instanceof UsageError || /already in use|cannot listen/.test(err.message) ? 2 : 1;
  },
);
