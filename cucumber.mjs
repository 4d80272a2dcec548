// Cucumber profiles. Glue files are listed one by one so unit tests and the CLI never load here.
const common = {
  import: ['support/register-tsx.mjs', 'support/world.ts', 'support/hooks.ts', 'steps/**/*.steps.ts'],
  paths: ['features/**/*.feature'],
  format: ['progress', 'html:reports/cucumber/report.html', 'json:reports/cucumber/report.json', 'junit:reports/cucumber/junit.xml'],
  formatOptions: { junit: { suiteName: 'c8y-hil' } },
};

export default { ...common };
