// Cucumber profiles. Glue files are listed one by one so unit tests and the CLI never load here.
//   default  the emulated device, every conformance feature
//   hil      a board: C8Y_HIL_PROFILE, C8Y_HIL_TTY and C8Y_HIL_DEVICE_ID say which
//   nightly  everything, retries shown as flaky, JUnit
const glue = ['support/register-tsx.mjs', 'support/parameter-types.ts', 'support/world.ts', 'support/hooks.ts', 'steps/**/*.steps.ts'];
// progress-bar needs a terminal; CI logs get one character a step
const progress = process.stdout.isTTY ? 'progress-bar' : 'progress';
const reports = (dir) => [progress, `html:${dir}/report.html`, `json:${dir}/report.json`, `junit:${dir}/junit.xml`, `message:${dir}/messages.ndjson`];
const out = process.env.C8Y_HIL_REPORTS ?? 'reports/cucumber';

const common = {
  import: glue,
  paths: ['features/**/*.feature'],
  format: reports(out),
  formatOptions: { junit: { suiteName: 'c8y-hil' } },
  tags: 'not @browser and not @container',
};

export default { ...common };

export const hil = { ...common, tags: 'not @emulator-only and not @browser and not @container' };

export const nightly = { ...common, tags: '', retry: 1, format: [...reports(out), 'summary'] };
