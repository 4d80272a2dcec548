// `c8y-hil run`: the suite through cucumber-js, then the run's outputs, each a function of
// cucumber's message stream: JUnit, the outcome, the metadata, annotations and the verdict line.
// Exit codes: 0 passed, 1 the device failed, 2 usage or configuration, 3 the run broke.
import { spawn } from 'node:child_process';
import { constants as osConstants, tmpdir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from './usage-error.ts';
import { describeLab, LabFileError, labOfRun, type LabConfig, type Place } from '../lab-file.ts';
import { buildSummary } from '../report/summary.ts';
import { capabilityTable } from '../report/capabilities.ts';
import { loadProfile } from '../devices/profile.ts';
import { EMULATED_PROFILE } from '../devices/emulated.ts';
import { readRunOutcome, type RunOutcome } from '../report/outcomes.ts';
import { junitXml } from '../report/junit.ts';
import { reportedIdentity, runMetadata, type RunMetadata } from '../report/run-metadata.ts';
import { githubAnnotations } from '../report/annotations.ts';
import { leaseAnyOf, leaseForRun } from '../leases/run-lease.ts';
import { runEachDevice, selectPlaces, worstExit, writeDeviceMatrix } from './run-devices.ts';

export const RUN_HELP = `Usage: c8y-hil run [--lab FILE] [FEATURE[:LINE] ...] [cucumber options]

Runs the conformance suite against the lab's device (without a lab: the built-in emulated
device) through cucumber-js. Features, FILE:LINE, --name and --tags narrow the run as in
cucumber; every other cucumber option passes through (--profile hil, --parallel 2, --retry 1).

c8y-hil options:
  --lab FILE        the lab file: the device under test, its driver and profile, the broker
                    (also C8Y_HIL_LAB; else ./c8y-hil.lab.yaml when there is one); see fixtures/labs/
  --devices K=V,…   a lab of several devices: only those whose name, id, driver or tags match
                    (each is tested in its own run, side by side; devices.html over them)
  --any-device      a lab of several devices: lease one free one (of those --devices chose) and
                    test it alone; waits the lab's leases.wait, then the run is broken (exit 3)
  -h, --help        this help, then cucumber's
  --version         the harness's version

Profiles (cucumber.mjs): default (the emulated device, every feature), hil (what any device is
held to; needs a lab), nightly (retries shown as flaky). In a project that installed c8y-hil,
its features/ and step files (features/**/*.steps.*, steps/**/*) run beside the built-in
conformance features (narrow with --tags or paths) and its reports go to ./reports/.

Environment: C8Y_HIL_REPORTS (the run's folder, default reports/<run-id>), C8Y_HIL_RUN_ID,
C8Y_HIL_STRICT=1 (warnings count), C8Y_HIL_FAULTS (emulator fault switches), C8Y_HIL_LAB_DEVICE
(the one device of a lab of several to test), C8Y_HIL_LEASES (a Redis URL: lease the device).

Leases: a lab file with a leases section (or C8Y_HIL_LEASES) leases its device for the run (a
heartbeat keeps it; a runner that dies frees it after leases.ttl); a device another run holds is
waited for up to leases.wait, then the run is broken (exit 3), naming the holder.

Exit codes: 0 every scenario passed (skips with reasons allowed); 1 the device failed (a rule
it broke is named); 2 usage or configuration error, before anything runs; 3 the run broke (the
harness, the lab, a driver or a console; reported as broken, not failed) and the device failed
nothing.
`;

/** cucumber options that take a value: what follows them is no feature path */
const VALUED = new Set([
  '--profile',
  '-p',
  '--tags',
  '-t',
  '--name',
  '--format',
  '-f',
  '--format-options',
  '--import',
  '-i',
  '--require',
  '-r',
  '--require-module',
  '--parallel',
  '--retry',
  '--retry-tag-filter',
  '--world-parameters',
  '--order',
  '--language',
  '--shard',
  '--plugin',
  '--plugin-options',
  '--config',
  '-c',
  '--i18n-keywords',
]);

export interface RunArgs {
  lab?: string;
  /** feature paths (FILE, DIR or FILE:LINE), absolute */
  paths: string[];
  /** what goes to cucumber */
  cucumber: string[];
  profiles: string[];
  help: boolean;
  /** a lab of several devices: `--devices key=value,…` narrows them */
  devices?: string;
  /** a lab of several devices: lease one free one and test it alone */
  anyDevice?: boolean;
}

export function parseRunArgs(argv: readonly string[], cwd = process.cwd()): RunArgs {
  const out: RunArgs = { paths: [], cucumber: [], profiles: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lab' || a.startsWith('--lab=')) {
      const v = a === '--lab' ? argv[++i] : a.slice('--lab='.length);
      if (!v || v.startsWith('-')) throw new UsageError('--lab needs a file: c8y-hil run --lab lab.yaml');
      out.lab = resolve(cwd, v);
    } else if (a === '--devices' || a.startsWith('--devices=')) {
      const v = a === '--devices' ? argv[++i] : a.slice('--devices='.length);
      if (!v || v.startsWith('-')) throw new UsageError('--devices needs key=value pairs: --devices model=acme7');
      out.devices = v;
    } else if (a === '--any-device') out.anyDevice = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (VALUED.has(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value (see c8y-hil run --help)`);
      if (a === '--profile' || a === '-p') out.profiles.push(v);
      if ((a === '--parallel' || a === '--retry') && !/^\d+$/.test(v))
        throw new UsageError(`${a} takes a whole number, not '${v}'`);
      out.cucumber.push(a, v);
    } else if (a.startsWith('-')) {
      if (a.startsWith('--profile=')) out.profiles.push(a.slice('--profile='.length));
      out.cucumber.push(a);
    } else out.paths.push(pathOf(a, cwd));
  }
  return out;
}

/** FILE[:LINE...] resolved against where the user stands; the file must exist */
function pathOf(arg: string, cwd: string): string {
  const m = /^(.*?)((?::\d+)*)$/.exec(arg)!;
  const file = resolve(cwd, m[1]!);
  if (!existsSync(file)) throw new UsageError(`no feature file or folder at ${m[1]} (${file})`);
  return file + m[2]!;
}

/** the profiles cucumber.mjs exports: an unknown one is a usage error here, not a stack trace there */
function knownProfiles(root: string): Set<string> {
  const text = readFileSync(join(root, 'cucumber.mjs'), 'utf8');
  return new Set(['default', ...[...text.matchAll(/^export const (\w+)/gm)].map((m) => m[1]!)]);
}

/** the profiles that test a real device: running them against the built-in emulator would prove nothing */
const REAL_DEVICE_PROFILES = new Set(['hil']);

/** a project's own lab file, used when neither --lab nor C8Y_HIL_LAB names one */
export const PROJECT_LAB = 'c8y-hil.lab.yaml';

function labFor(args: RunArgs, project: string): LabConfig {
  if (args.lab) process.env.C8Y_HIL_LAB = args.lab;
  else if (!process.env.C8Y_HIL_LAB && existsSync(join(project, PROJECT_LAB)))
    process.env.C8Y_HIL_LAB = join(project, PROJECT_LAB);
  try {
    return labOfRun(process.env);
  } catch (err) {
    if (err instanceof LabFileError) throw new UsageError(err.message);
    throw err;
  }
}

function checkProfiles(args: RunArgs, lab: LabConfig, root: string): void {
  const known = knownProfiles(root);
  const unknown = args.profiles.filter((p) => !known.has(p));
  if (unknown.length > 0)
    throw new UsageError(`no cucumber profile '${unknown[0]}' in cucumber.mjs; profiles: ${[...known].join(', ')}`);
  const real = args.profiles.filter((p) => REAL_DEVICE_PROFILES.has(p));
  if (real.length > 0 && !lab.file) {
    throw new UsageError(
      `--profile ${real[0]} tests a real device, but no lab file says which: give --lab lab.yaml ` +
        '(or C8Y_HIL_LAB); see fixtures/labs/ for examples. Without a lab the built-in emulated device is tested.',
    );
  }
}

export async function runSuite(argv: string[], root: string): Promise<number> {
  const args = parseRunArgs(argv);
  if (args.help) {
    process.stdout.write(RUN_HELP + '\ncucumber-js options:\n');
    return (await passThrough(process.cwd(), ['--help'], tmpdir())).code === 0 ? 0 : 2;
  }
  const project = process.cwd();
  let lab = labFor(args, project);
  checkProfiles(args, lab, root);
  // files and lines narrow the run: cucumber would add them to the profile's paths instead
  if (args.paths.length > 0) process.env.C8Y_HIL_FEATURES = args.paths.join(',');
  process.env.C8Y_HIL_RUN_ID ??= new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const runId = process.env.C8Y_HIL_RUN_ID;
  let lease: Awaited<ReturnType<typeof leaseForRun>>;
  if (lab.places && lab.places.length > 1 && !process.env.C8Y_HIL_LAB_DEVICE) {
    const chosen = selectPlaces(lab.places, args.devices);
    if (!args.anyDevice) return runDevices(argv, chosen, project, root, runId);
    // one free device of those chosen, leased, then tested alone
    lease = await leaseAnyOf(
      lab,
      chosen.map((p) => p.id),
      runId,
    );
    process.env.C8Y_HIL_LAB_DEVICE = chosen.find((p) => p.id === lease!.held.lease.device)!.name;
    lab = labFor(args, project);
  } else if (args.devices || args.anyDevice) {
    throw new UsageError(
      "--devices and --any-device choose among a lab's devices: this lab has one (give devices: […])",
    );
  }
  process.stdout.write(`${describeLab(lab)}\n`);
  // a device another run holds: waited for, else the run is broken (exit 3) naming the holder
  lease ??= await leaseForRun(lab, runId);
  if (lease) process.stdout.write(`c8y-hil: leased ${lab.device.id} as ${lease.held.lease.owner}\n`);
  try {
    return await runLeased(args, lab, project, root);
  } finally {
    await lease?.release();
  }
}

/** every chosen device of the lab in its own child run, side by side; one page over them */
async function runDevices(
  argv: readonly string[],
  places: Place[],
  project: string,
  root: string,
  runId: string,
): Promise<number> {
  const reports = resolve(project, process.env.C8Y_HIL_REPORTS || join('reports', runId));
  const own = (a: string, i: number, all: readonly string[]) =>
    a === '--any-device' || a === '--devices' || a.startsWith('--devices=') || all[i - 1] === '--devices';
  const rest = argv.filter((a, i, all) => !own(a, i, all));
  process.stdout.write(
    `c8y-hil: testing ${places.length} devices side by side: ${places.map((p) => p.name).join(', ')}\n`,
  );
  const codes = await runEachDevice(places, rest, reports, join(root, 'bin', 'c8y-hil.mjs'), runId);
  const page = writeDeviceMatrix(reports, places, codes);
  for (const [i, p] of places.entries()) process.stdout.write(`c8y-hil: ${p.name}: exit ${codes[i]}\n`);
  const code = worstExit(codes);
  process.stdout.write(
    `c8y-hil: ${code === 0 ? 'PASSED' : code === 1 ? 'FAILED' : 'BROKEN'} on ${places.length} devices; ` +
      `devices: ${relative(process.cwd(), page)}\n`,
  );
  return code;
}

async function runLeased(args: RunArgs, lab: LabConfig, project: string, root: string): Promise<number> {
  const runId = process.env.C8Y_HIL_RUN_ID ?? 'run';
  const reports = resolve(project, process.env.C8Y_HIL_REPORTS || join('reports', runId));
  process.env.C8Y_HIL_REPORTS = reports;
  mkdirSync(reports, { recursive: true });
  const meta = runMetadata(lab, root, existsSync(join(project, 'features')) ? join(project, 'features') : project);
  writeFileSync(join(reports, 'run.json'), JSON.stringify(meta, null, 2) + '\n');

  // cucumber joins the config's path to its working folder, so it must be relative to the project
  const ownConfig = args.cucumber.some((a) => a === '--config' || a === '-c');
  const config = ownConfig ? [] : ['--config', relative(project, join(root, 'cucumber.mjs')) || 'cucumber.mjs'];
  const { code, interrupted } = await passThrough(project, [...config, ...args.cucumber], reports);
  const messages = join(reports, 'messages.ndjson');
  const outcome = existsSync(messages) ? readRunOutcome(messages) : undefined;
  if (outcome && interrupted) Object.assign(outcome, { interrupted: true, exitCode: 130 });
  if (!outcome || outcome.started === undefined) {
    rmSync(reports, { recursive: true, force: true });
    throw new UsageError(`cucumber stopped before running any scenario (exit code ${code}; its message is above)`);
  }
  const full = { ...meta, ...reportedIdentity(join(reports, 'records'), lab.device.id) };
  writeOutputs(reports, outcome, full);
  pointLatest(project, reports);
  const profile = lab.profile ?? loadProfile(EMULATED_PROFILE);
  process.stdout.write(`\n${capabilityTable(lab.device.id, profile, join(reports, 'skipped.ndjson'))}\n`);
  if (process.env.GITHUB_ACTIONS) process.stdout.write(githubAnnotations(outcome, project));
  let summary = '';
  try {
    summary = `; across runs: ${buildSummary(join(project, 'reports'))}`;
  } catch {
    /* no runs to summarise */
  }
  process.stdout.write(`\n${verdictLine(outcome)}\n`);
  const rel = relative(process.cwd(), reports) || '.';
  process.stdout.write(
    `reports: ${rel}/report.html, ${rel}/junit.xml, ${rel}/messages.ndjson, records in ${rel}/records/${summary}\n`,
  );
  return outcome.exitCode;
}

export function verdictLine(o: RunOutcome): string {
  const c = o.counts;
  const word = o.interrupted ? 'INTERRUPTED' : o.exitCode === 0 ? 'PASSED' : o.exitCode === 1 ? 'FAILED' : 'BROKEN';
  const parts = [`${c.passed} passed`, `${c.failed} failed`, `${c.broken} broken`, `${c.skipped} skipped`];
  if (c.flaky) parts.push(`${c.flaky} flaky`);
  return `c8y-hil: ${word}: ${o.scenarios.length} scenarios (${parts.join(', ')})`;
}

/** JUnit, the outcome and the metadata beside cucumber's own reports; report.json's features carry the metadata */
export function writeOutputs(dir: string, outcome: RunOutcome, meta: RunMetadata): void {
  writeFileSync(join(dir, 'run.json'), JSON.stringify(meta, null, 2) + '\n');
  writeFileSync(join(dir, 'junit.xml'), junitXml(outcome, meta));
  const slim = {
    ...outcome,
    scenarios: outcome.scenarios.map((s) => ({ ...s, attempts: s.attempts.map(({ traffic: _t, ...a }) => a) })),
  };
  writeFileSync(join(dir, 'outcome.json'), JSON.stringify({ meta, ...slim }, null, 1) + '\n');
  bannerInHtml(join(dir, 'report.html'), meta);
  const report = join(dir, 'report.json');
  if (!existsSync(report)) return;
  try {
    const features = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>[];
    writeFileSync(report, JSON.stringify(features.map((f) => ({ ...f, metadata: meta }))));
  } catch {
    /* cut off by an interrupt: left as it is */
  }
}

const escHtml = (v: string) =>
  v.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** the run's metadata at the top of cucumber's HTML report: which device, firmware, lab and harness it tested */
function bannerInHtml(file: string, meta: RunMetadata): void {
  if (!existsSync(file)) return;
  const html = readFileSync(file, 'utf8');
  if (!html.includes('<body>')) return;
  const cells = Object.entries(meta)
    .filter(([, v]) => v)
    .map(([k, v]) => `<span><b>${escHtml(k)}</b> ${escHtml(String(v))}</span>`)
    .join(' · ');
  const banner =
    '<div id="c8y-hil-run" style="font: 13px system-ui, sans-serif; padding: 8px 16px; background: #f4f6f8; ' +
    `border-bottom: 1px solid #ccd">c8y-hil run: ${cells}</div>`;
  writeFileSync(file, html.replace('<body>', `<body>${banner}`));
}

function pointLatest(project: string, reports: string): void {
  const base = join(project, 'reports');
  if (!reports.startsWith(base + '/')) return;
  const link = join(base, 'latest');
  rmSync(link, { force: true });
  symlinkSync(relative(base, reports), link);
}

/** cucumber-js's own command, wherever npm put the package (beside c8y-hil, or above it) */
function cucumberBin(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@cucumber/cucumber'));
  while (!existsSync(join(dir, 'bin', 'cucumber.js')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'bin', 'cucumber.js');
}

/**
 * cucumber in a child process of its own process group, so a Ctrl-C at the terminal reaches only
 * this runner; the event loop runs meanwhile (a lease's heartbeat). SIGINT or SIGTERM here: the
 * interrupt file tells every cucumber process to stop after the current scenario's clean-up (the
 * rest are skipped and the reports end as usual); a second signal kills the group at once.
 */
function passThrough(cwd: string, args: string[], reports: string): Promise<{ code: number; interrupted: boolean }> {
  const flag = join(reports, '.interrupt');
  rmSync(flag, { force: true });
  const env = { ...process.env, C8Y_HIL_INTERRUPT_FILE: flag };
  const child = spawn(process.execPath, [cucumberBin(), ...args], { stdio: 'inherit', cwd, env, detached: true });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`c8y-hil: ${signal} again: stopping at once\n`);
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      process.exit(130);
    }
    interrupted = true;
    writeFileSync(flag, `${signal}\n`);
    process.stderr.write(
      `c8y-hil: ${signal}: the current scenario ends with its clean-up, the rest are skipped (again to stop at once)\n`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      rmSync(flag, { force: true });
      resolve({ code: code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1), interrupted });
    });
  });
}
