// The c8y-hil command: one entry, one subcommand a concern.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './usage-error.ts';
import { harnessVersion } from '../report/run-metadata.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: c8y-hil <command> [options]

Commands:
  run [--lab FILE] [...]  run the conformance suite against the lab's device (cucumber-js; its flags pass through,
                         e.g. --profile hil, --tags @qos, --parallel 2; c8y-hil run --help)
  matrix                 run the emulator once per fault switch over the features its rules need,
                         and print which rules caught each fault (c8y-hil matrix --help)
  broker [options]       start the standalone recording broker (c8y-hil broker --help)
  bench [name]           run the benchmarks in bench/ (all, or those whose file name contains name)
  emulate --tty PATH     run the emulated reference device on a tty (or --stdio)
  cert DEVICE_ID         a device certificate signed by the lab CA, for certificate login
  audit RECORD|DIR       judge every device in a record by every rule (exit 1 on a violation)
  report RECORD.jsonl    a record as an HTML traffic timeline (--pdf, --png); report --summary: runs
  lab status|lease|release  the leases of a shared lab: who holds which device (c8y-hil lab --help)

Every command answers --help; c8y-hil --version prints the version.
Exit codes: 0 passed, 1 the device failed, 2 usage or configuration error, 3 the run broke.
`;

const MATRIX_HELP = `Usage: c8y-hil matrix

Runs the suite against the emulated device once without faults and once per fault switch
(support/emulator/faults.ts), each over the features its rules need, two runs at a time, and
prints a row per fault: each rule it must break, caught (✓) or not (✗), and what else broke.
Exit code 0 when every fault is caught by all its rules, the fault-free run passes and every
violation rule has a fault; 1 otherwise. It takes a few minutes.
`;

async function matrixCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(MATRIX_HELP);
    return 0;
  }
  if (args.length > 0)
    throw new UsageError(`c8y-hil matrix takes no arguments, not '${args.join(' ')}' (see c8y-hil matrix --help)`);
  const { formatMatrix, runFaultMatrix } = await import('./fault-matrix.ts');
  const m = await runFaultMatrix();
  process.stdout.write(formatMatrix(m) + '\n');
  return m.unnoticed.length === 0 && m.falseAlarms.length === 0 && m.uncovered.length === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && command !== 'run' && rest.includes('--version')) {
    process.stdout.write(`c8y-hil ${harnessVersion(ROOT)}\n`);
    return 0;
  }
  // each command loads only its own modules: the emulator starts once per run, the broker in tests often
  switch (command) {
    case 'broker':
      return (await import('./broker-command.ts')).brokerCommand(rest);
    case 'run':
      return (await import('./run-command.ts')).runSuite(rest, ROOT);
    case 'matrix':
      return matrixCommand(rest);
    case 'bench':
      return (await import('./bench-command.ts')).benchCommand(rest);
    case 'lab':
      return (await import('./lab-command.ts')).labCommand(rest);
    case 'emulate':
      return (await import('../emulator/main.ts')).emulateCommand(rest);
    case 'cert':
      return (await import('./cert-command.ts')).certCommand(rest);
    case 'audit':
      return (await import('./audit-command.ts')).auditCommand(rest);
    case 'report':
      return (await import('./report-command.ts')).reportCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`c8y-hil ${harnessVersion(ROOT)}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}' (c8y-hil --help lists the commands)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    // a clear line, never a stack trace, for what the user can fix; exit 2 for usage and setup problems
    process.stderr.write(`c8y-hil: ${err.message}\n`);
    // anything else is the harness breaking, not the device failing: 3
    process.exitCode = err instanceof UsageError || /already in use|cannot listen/.test(err.message) ? 2 : 3;
  },
);
