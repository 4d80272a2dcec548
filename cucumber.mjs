// Cucumber profiles. Glue files are listed one by one so unit tests and the CLI never load here.
//   default  the emulated device, every conformance feature
//   hil      a board: C8Y_HIL_PROFILE, C8Y_HIL_TTY and C8Y_HIL_DEVICE_ID say which
//   nightly  everything, retries shown as flaky, JUnit
// Every run writes reports/<run-id>/ (cucumber HTML, message stream, JUnit with each scenario's
// record path, the records) and points reports/latest at it.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const glue = ['support/register-tsx.mjs', 'support/parameter-types.ts', 'support/world.ts', 'support/hooks.ts', 'steps/**/*.steps.ts'];

// the config is loaded once per process; parallel workers inherit what the coordinator chose
process.env.C8Y_HIL_RUN_ID ??= new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
const out = process.env.C8Y_HIL_REPORTS ??= join('reports', process.env.C8Y_HIL_RUN_ID);
process.env.C8Y_HIL_RECORDS ??= join(out, 'records');
if (!process.env.CUCUMBER_WORKER_ID && out.startsWith('reports/')) {
  mkdirSync(out, { recursive: true });
  rmSync('reports/latest', { force: true });
  symlinkSync(out.slice('reports/'.length), 'reports/latest');
}

// progress-bar needs a terminal; CI logs get one character a step
const progress = process.stdout.isTTY ? 'progress-bar' : 'progress';
const reports = (dir) => [progress, `html:${dir}/report.html`, `json:${dir}/report.json`, `message:${dir}/messages.ndjson`, `./support/report/junit-formatter.mjs:${dir}/junit.xml`];

const common = {
  import: glue,
  // C8Y_HIL_FEATURES=a.feature,b.feature runs only those (the fault matrix uses it)
  paths: process.env.C8Y_HIL_FEATURES ? process.env.C8Y_HIL_FEATURES.split(',') : ['features/**/*.feature'],
  format: reports(out),
  tags: '',
};

export default { ...common };

export const hil = { ...common, tags: 'not @emulator-only and not @browser and not @container and not @certificate' };

export const nightly = { ...common, tags: '', retry: 1, format: [...reports(out), 'summary'] };
