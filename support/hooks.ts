// Cucumber glue: a Lab per scenario with the device under test reset into it; clean-up always
// runs and attaches the record.
import { After, AfterAll, AfterStep, Before, BeforeStep, setDefaultTimeout } from '@cucumber/cucumber';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildTimeline } from './report/timeline.ts';
import { measurementText } from './report/junit.ts';
import type { MeasurementSummary } from './report/outcomes.ts';
import { deviceUnderTest, stopDeviceUnderTest } from './device-pool.ts';
import { labOfRun } from './lab-file.ts';
import { missingNeed, needName, needsOf, type Need } from './needs.ts';
import { DeviceUnavailable } from './devices/unavailable.ts';
import { closeStandingListeners, Lab, stopLabRedis } from './lab.ts';
import { trafficText } from './report/describe.ts';
import type { HilWorld } from './world.ts';
import { audit, formatAudit, type Audit } from './checks/audit.ts';
import { RULES } from './rules.ts';
import { handleInterrupts, isInterrupted } from './interrupt.ts';

handleInterrupts();

/** the audit found violations the scenario's steps did not: the scenario fails with them */
class AuditFailure extends Error {
  constructor(audits: Audit[]) {
    super(audits.map((a) => `${formatAudit(a)}\n${a.violations.map((v) => v.message).join('\n\n')}`).join('\n\n'));
    this.name = 'AuditFailure';
  }
}

/** one device's audit of the scenario's record, attached with what the scenario measured */
function auditOne(
  w: HilWorld,
  events: ReturnType<HilWorld['lab']['record']['events']>,
  { id, expect }: { id: string; expect: HilWorld['expected'] },
  several: boolean,
) {
  const a = audit(
    { events, deviceId: id, recordPath: w.lab.recordPath, strict: w.lab.strict, expect },
    w.expectedRules,
  );
  // what the scenario measured, with its limits, below the rules
  const measured = events
    .filter((e) => e.kind === 'measurement')
    .map((m) => `  ${String(m.name)}: ${measurementText(m as unknown as MeasurementSummary)}`);
  const table = formatAudit(a, { all: true }) + (measured.length ? `\nmeasurements:\n${measured.join('\n')}` : '');
  const suffix = several ? `-${id}` : '';
  w.attach(table, { mediaType: 'text/plain', fileName: `audit${suffix}.txt` });
  w.attach(JSON.stringify({ deviceId: a.deviceId, rows: a.rows }), {
    mediaType: 'application/json',
    fileName: `audit${suffix}.json`,
  });
  return a;
}

/** the rules a scenario breaks on purpose: its @expects:<rule> tags (an unknown rule is an error, not a silent pass) */
function expectedRules(tags: readonly string[]): Set<string> {
  const rules = tags.filter((t) => t.startsWith('@expects:')).map((t) => t.slice('@expects:'.length));
  const unknown = rules.filter((r) => !RULES.has(r));
  if (unknown.length > 0)
    throw new Error(
      `@expects names rules that are not in the rulebook: ${unknown.join(', ')} (see README, the rule table)`,
    );
  return new Set(rules);
}

/** attempts per scenario in this worker: cucumber retries a scenario in the worker that ran it */
const attempts = new Map<string, number>();

const RECORD_DIR = resolve(process.env.C8Y_HIL_RECORDS ?? join('reports', 'records'));

setDefaultTimeout(30_000);

/** scenarios skipped for a capability the device lacks, for the run's capability table */
function noteSkip(scenario: string, missing: { need: Need; reason: string }): void {
  const dir = process.env.C8Y_HIL_REPORTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'skipped.ndjson'),
    JSON.stringify({ scenario, need: needName(missing.need), reason: missing.reason }) + '\n',
  );
}

/**
 * A failed scenario's timeline is built at once and linked from the report (a path relative to
 * the run's folder, where report.html is) and from JUnit (the `timeline: ` attachment).
 */
async function attachTimeline(world: HilWorld, recordPath: string): Promise<void> {
  const out = recordPath.replace(/\.jsonl$/, '') + '.timeline';
  try {
    await buildTimeline(recordPath, out);
  } catch (err) {
    world.attach(`timeline: not built (${(err as Error).message})`, 'text/plain');
    return;
  }
  const page = join(out, 'index.html');
  world.attach(`timeline: ${page}`, 'text/plain');
  world.attach(readFileSync(join(out, 'sequence.svg')), { mediaType: 'image/svg+xml', fileName: 'sequence.svg' });
  const runDir = process.env.C8Y_HIL_REPORTS ? resolve(process.env.C8Y_HIL_REPORTS) : undefined;
  world.attach(runDir ? relative(runDir, page) : pathToFileURL(page).href, 'text/uri-list');
}

Before(async function (this: HilWorld, { pickle }) {
  if (isInterrupted()) {
    this.attach('skipped: the run was interrupted before this scenario began', 'text/plain');
    return 'skipped';
  }
  const lab = labOfRun(process.env, this.parameters?.lab as string | undefined);
  this.expectedRules = expectedRules(pickle.tags.map((t) => t.name));
  let dut;
  try {
    dut = await deviceUnderTest(lab);
  } catch (err) {
    if (err instanceof DeviceUnavailable) {
      this.attach(`skipped: ${err.message}`, 'text/plain');
      return 'skipped';
    }
    throw err;
  }
  const missing = missingNeed(
    dut.device,
    needsOf(
      pickle.tags.map((t) => t.name),
      pickle.steps.map((st) => st.text),
    ),
  );
  if (missing) {
    noteSkip(pickle.name, missing);
    this.attach(`skipped: ${missing.reason}`, 'text/plain');
    return 'skipped';
  }
  // a retry is another attempt with a record of its own, never written over the failed one's
  const attempt = (attempts.get(pickle.id) ?? 0) + 1;
  attempts.set(pickle.id, attempt);
  const name = `${pickle.name}-${pickle.id.slice(0, 8)}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  this.lab = await Lab.start({ recordDir: RECORD_DIR, name, settings: lab.broker, parentDir: dut.dir });
  this.runLab = lab;
  this.device = dut.device;
  this.lab.device = dut.device;
  dut.device.setRecord(this.lab.record);
  if (dut.device.has('clearFaults')) await dut.device.action('clearFaults');
  for (const fault of dut.faults) await dut.device.action('fault', { fault, state: 'on' });
  await dut.device.reset();
  this.settings = this.lab.deviceSettings('mqtt');
  return undefined;
});

// a warning counts only in a strict run (SPEC 8): scenarios about warnings run only then
Before({ tags: '@strict' }, function (this: HilWorld) {
  if (this.lab?.strict) return undefined;
  this.attach(
    'skipped: this scenario judges a warning, which counts only in a strict run (C8Y_HIL_STRICT=1)',
    'text/plain',
  );
  return 'skipped';
});

After(async function (this: HilWorld, { result }) {
  if (!this.lab) return;
  if (this.device) {
    await this.device.disconnect().catch(() => {
      /* it may not be connected */
    });
    this.device.setRecord(undefined);
  }
  if (this.browserDevice) await this.browserDevice.stop();
  for (const d of this.named.values()) await d.close();
  const events = this.lab.record.events();
  await this.lab.close();
  this.attach(`record: ${this.lab.recordPath}`, 'text/plain');
  this.attach(trafficText(events), { mediaType: 'text/plain', fileName: 'traffic.txt' });
  this.attach(readFileSync(this.lab.recordPath, 'utf8'), {
    mediaType: 'application/x-ndjson',
    fileName: 'record.jsonl',
  });
  if (result?.status === 'FAILED') await attachTimeline(this, this.lab.recordPath);
  if (result?.status === 'SKIPPED' || !this.device) return;
  // every rule on every record, for each device of the scenario: the audit is attached even when a
  // step failed, and a violation fails the scenario even when its own steps passed
  const devices = new Map([[this.device.id, this.expected]]);
  for (const d of this.named.values()) if (!devices.has(d.device.id)) devices.set(d.device.id, d.expected);
  const audits = [...devices].map(([id, expect]) => auditOne(this, events, { id, expect }, devices.size > 1));
  if (audits.some((a) => a.violations.length > 0)) {
    if (result?.status !== 'FAILED') await attachTimeline(this, this.lab.recordPath);
    throw new AuditFailure(audits.filter((a) => a.violations.length > 0));
  }
});

AfterAll(async () => {
  await stopDeviceUnderTest();
  await closeStandingListeners();
  await stopLabRedis();
});

// the start and end of each step go into the record, so the traffic can be read against the steps
BeforeStep(function (this: HilWorld, { pickleStep }) {
  this.lab?.record.add('step', { action: 'start', text: pickleStep.text });
});

AfterStep(function (this: HilWorld, { pickleStep, result }) {
  this.lab?.record.add('step', { action: 'end', text: pickleStep.text, status: result.status });
});
