// Cucumber profiles. Glue files are listed one by one so unit tests and the CLI never load here.
//   default  the emulated device, every conformance feature
//   hil      what any device is held to (needs a lab file: c8y-hil run --lab lab.yaml --profile hil)
//   nightly  everything, retries shown as flaky
// Paths are absolute, so the same config serves this repository and a project that installed
// c8y-hil: that project's features/ and step files (features/**/*.steps.*, steps/**/*.*) run
// beside the built-in conformance features, and its reports go to its own reports/.
// Every run writes reports/<run-id>/ (cucumber HTML, JSON, the message stream, the records);
// c8y-hil run then writes JUnit, the outcome and the metadata from the message stream.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(process.env.C8Y_HIL_PROJECT ?? process.cwd());
const own = project === here;

const glue = [
  ...['support/register-tsx.mjs', 'support/parameter-types.ts', 'support/world.ts', 'support/hooks.ts'].map((f) =>
    join(here, f),
  ),
  join(here, 'steps/**/*.steps.ts'),
  // the project's own steps, which may use the world and the parameter types above
  ...(own ? [] : [join(project, 'features/**/*.steps.{ts,mjs,js}'), join(project, 'steps/**/*.{ts,mjs,js}')]),
];

// the config is loaded once per process; parallel workers inherit what the coordinator chose
process.env.C8Y_HIL_RUN_ID ??= new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
const out = (process.env.C8Y_HIL_REPORTS ??= join(project, 'reports', process.env.C8Y_HIL_RUN_ID));
process.env.C8Y_HIL_RECORDS ??= join(out, 'records');
if (!process.env.CUCUMBER_WORKER_ID) mkdirSync(out, { recursive: true });

// progress-bar needs a terminal; CI logs get one character a step
const progress = process.stdout.isTTY ? 'progress-bar' : 'progress';
const reports = (dir) => [
  progress,
  `html:${dir}/report.html`,
  `json:${dir}/report.json`,
  `message:${dir}/messages.ndjson`,
];

const features = [
  join(here, 'features/**/*.feature'),
  ...(!own && existsSync(join(project, 'features')) ? [join(project, 'features/**/*.feature')] : []),
];

const common = {
  import: glue,
  // C8Y_HIL_FEATURES=a.feature,b.feature:12 runs only those (c8y-hil run FILE[:LINE] and the fault matrix use it)
  paths: process.env.C8Y_HIL_FEATURES ? process.env.C8Y_HIL_FEATURES.split(',') : features,
  format: reports(out),
  tags: '',
};

export default { ...common };

export const hil = { ...common, tags: 'not @emulator-only and not @browser and not @container and not @certificate' };

export const nightly = { ...common, tags: '', retry: 1, format: [...reports(out), 'summary'] };
