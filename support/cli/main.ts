// The c8y-hil command: one entry, one subcommand a concern.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerCommand } from './broker-command.ts';
import { auditCommand } from './audit-command.ts';
import { certCommand } from './cert-command.ts';
import { formatMatrix, runFaultMatrix } from './fault-matrix.ts';
import { reportCommand } from './report-command.ts';
import { buildSummary } from '../report/summary.ts';
import { capabilityTable } from '../report/capabilities.ts';
import { loadProfile } from '../devices/profile.ts';
import { EMULATED_PROFILE } from '../devices/emulated.ts';
import { emulateCommand } from '../emulator/main.ts';
import { UsageError } from './usage-error.ts';
import { describeLab, LabFileError, labOfRun, type LabConfig } from '../lab-file.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: c8y-hil <command> [options]

Commands:
  run [--lab FILE] [...]  run the conformance suite against the lab's device (cucumber-js; its flags pass through,
                         e.g. --profile hil, --tags @qos, --parallel 2)
  matrix                 run the emulator once per fault switch over the features its rules need,
                         and print which rules caught each fault (c8y-hil matrix --help)
  broker [options]       start the standalone recording broker (c8y-hil broker --help)
  bench [name]           run the benchmarks in bench/ (all, or those whose file name contains name)
  emulate --tty PATH     run the emulated reference device on a tty (or --stdio)
  cert DEVICE_ID         a device certificate signed by the lab CA, for certificate login
  audit RECORD|DIR       judge every device in a record by every rule (exit 1 on a violation)
  report RECORD.jsonl    a record as an HTML traffic timeline (--pdf, --png); report --summary: runs
`;

/** `--lab FILE` / `--lab=FILE` taken out of cucumber's arguments */
function takeLab(args: string[]): { lab?: string; rest: string[] } {
  const rest: string[] = [];
  let lab: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--lab') {
      lab = args[++i];
      if (lab === undefined || lab.startsWith('-'))
        throw new UsageError('--lab needs a file: c8y-hil run --lab lab.yaml');
    } else if (a.startsWith('--lab=')) lab = a.slice('--lab='.length);
    else rest.push(a);
  }
  return { lab, rest };
}

/** the cucumber profiles the arguments ask for */
function profilesOf(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '--profile' || a === '-p') && args[i + 1]) out.push(args[++i]!);
    else if (a.startsWith('--profile=')) out.push(a.slice('--profile='.length));
  }
  return out;
}

/** the profiles that test a real device: running them against the built-in emulator would prove nothing */
const REAL_DEVICE_PROFILES = new Set(['hil']);

/** the suite, with cucumber's own flags; the first line says what is tested, the last the verdict and the reports */
function runSuite(argv: string[]): number {
  const { lab: labArg, rest: args } = takeLab(argv);
  if (labArg) process.env.C8Y_HIL_LAB = resolve(labArg);
  let lab: LabConfig;
  try {
    lab = labOfRun(process.env);
  } catch (err) {
    if (err instanceof LabFileError) throw new UsageError(err.message);
    throw err;
  }
  const real = profilesOf(args).filter((p) => REAL_DEVICE_PROFILES.has(p));
  if (real.length > 0 && !lab.file) {
    throw new UsageError(
      `--profile ${real[0]} tests a real device, but no lab file says which: give --lab lab.yaml ` +
        '(or C8Y_HIL_LAB); see fixtures/labs/ for examples. Without a lab the built-in emulated device is tested.',
    );
  }
  process.stdout.write(`${describeLab(lab)}\n`);
  // the run's folder is chosen here, so this process can name it afterwards
  process.env.C8Y_HIL_RUN_ID ??= new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const reports = process.env.C8Y_HIL_REPORTS ?? join('reports', process.env.C8Y_HIL_RUN_ID);
  const code = passThrough(join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), args);
  let summary = '';
  try {
    summary = `; across runs: ${buildSummary(join(ROOT, 'reports'))}`;
  } catch {
    /* no runs to summarise */
  }
  const profile = lab.profile ?? loadProfile(EMULATED_PROFILE);
  process.stdout.write(
    `\n${capabilityTable(lab.device.id, profile, join(resolve(ROOT, reports), 'skipped.ndjson'))}\n`,
  );
  process.stdout.write(
    `\nc8y-hil: ${code === 0 ? 'PASSED' : 'FAILED'} (cucumber exit code ${code})\n` +
      `reports: ${reports}/report.html, ${reports}/junit.xml, ${reports}/messages.ndjson, records in ${reports}/records/${summary}\n`,
  );
  return code;
}

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
  const m = await runFaultMatrix();
  process.stdout.write(formatMatrix(m) + '\n');
  return m.unnoticed.length === 0 && m.falseAlarms.length === 0 && m.uncovered.length === 0 ? 0 : 1;
}

function passThrough(bin: string, args: string[]): number {
  const res = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: ROOT });
  return res.status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'broker':
      return brokerCommand(rest);
    case 'run':
      return runSuite(rest);
    case 'matrix':
      return matrixCommand(rest);
    case 'bench':
      return passThrough(join(ROOT, 'bench', 'run.mjs'), rest);
    case 'emulate':
      return emulateCommand(rest);
    case 'cert':
      return certCommand(rest);
    case 'audit':
      return auditCommand(rest);
    case 'report':
      return reportCommand(rest);
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
    process.exitCode = err instanceof UsageError || /already in use|cannot listen/.test(err.message) ? 2 : 1;
  },
);
