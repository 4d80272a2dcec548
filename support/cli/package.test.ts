// c8y-hil as a package people install: npm pack holds what a project needs (and no tests), and a
// firmware team's project with one feature of its own (a built-in step, and a step file of its
// own that uses the world) runs it beside the built-in features, with the reports in its folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { socatMissing } from '../devices/emulated.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  // the run's own folders come from the project, not from whatever ran this test
  const { C8Y_HIL_REPORTS: _r, C8Y_HIL_RECORDS: _s, C8Y_HIL_FEATURES: _f, C8Y_HIL_LAB: _l, ...inherited } = process.env;
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...inherited, ...env }, timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const OWN_FEATURE = `@mine
Feature: Our firmware's own checks
  Scenario: our board connects and is the one the lab names
    Given the device is set up for the broker over mqtt
    When the device connects
    Then the broker answers the device CONNACK 0
    And our own step sees the device "{serial}"
`;

// a project's step file: cucumber's API and c8y-hil's world, as a firmware team would write it
const OWN_STEPS = `import { Then } from '@cucumber/cucumber';
import type { HilWorld } from 'c8y-hil/world';
import { RULES } from 'c8y-hil';

Then('our own step sees the device {string}', function (this: HilWorld, id: string) {
  if (this.device.id !== this.expand(id)) throw new Error('another device: ' + this.device.id);
  if (!RULES.has('qos.as-configured')) throw new Error('the rulebook is not exported');
});
`;

test('npm pack: the command, the library, features, steps and fixtures; no tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-pack-'));
  try {
    const r = run(NPM, ['pack', '--json', '--pack-destination', dir], ROOT);
    assert.equal(r.status, 0, r.out);
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    const listed = spawnSync('tar', ['tzf', join(dir, files[0]!)], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of [
      'bin/c8y-hil.mjs',
      'support/index.ts',
      'support/world.ts',
      'support/hooks.ts',
      'steps/device.steps.ts',
      'features/qos/qos.feature',
      'fixtures/devices/emulated.yaml',
      'fixtures/labs/acme7.yaml',
      'schemas/lab.schema.json',
      'cucumber.mjs',
      'package.json',
    ])
      assert.ok(listed.includes(`package/${f}`), `${f} is in the package`);
    assert.deepEqual(
      listed.filter((f) => /\.test\.ts$|^package\/(bench|reports|node_modules)\//.test(f)),
      [],
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies['@cucumber/cucumber'], 'cucumber runs in the project that installed c8y-hil');
    assert.equal(pkg.bin['c8y-hil'], 'bin/c8y-hil.mjs');
    assert.ok(pkg.exports['.'] && pkg.exports['./world']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a project installs the package and runs its own feature beside the built-in ones, reports in its folder',
  { skip: socatMissing(), timeout: 600_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-project-'));
    try {
      const packed = run(NPM, ['pack', '--pack-destination', dir], ROOT);
      assert.equal(packed.status, 0, packed.out);
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
      const project = join(dir, 'firmware-tests');
      mkdirSync(join(project, 'features'), { recursive: true });
      writeFileSync(join(project, 'package.json'), '{ "name": "firmware-tests", "private": true, "type": "module" }\n');
      writeFileSync(join(project, 'features', 'mine.feature'), OWN_FEATURE);
      writeFileSync(join(project, 'features', 'mine.steps.ts'), OWN_STEPS);
      const installed = run(
        NPM,
        ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)],
        project,
      );
      assert.equal(installed.status, 0, installed.out.slice(-3000));
      // its own scenario and one built-in one (cucumber's --name narrows both folders alike)
      const args = ['run', '--tags', '@mine or @connect', '--name', 'our board connects|the device registers, then'];
      const r = run(join(project, 'node_modules', '.bin', 'c8y-hil'), args, project, { C8Y_HIL_RUN_ID: 'project-run' });
      assert.equal(r.status, 0, r.out.slice(-4000));
      const reports = join(project, 'reports', 'project-run');
      const outcome = JSON.parse(readFileSync(join(reports, 'outcome.json'), 'utf8'));
      const uris = new Set(outcome.scenarios.map((s: { uri: string }) => s.uri));
      assert.ok(uris.has('features/mine.feature'), [...uris].join(', '));
      assert.ok(
        [...uris].some((u) => String(u).startsWith('node_modules/c8y-hil/features/connect/')),
        `the built-in connect features ran too: ${[...uris].join(', ')}`,
      );
      assert.equal(outcome.counts.failed + outcome.counts.broken, 0);
      assert.ok(readdirSync(join(reports, 'records')).length > 1, 'records in the project');
      assert.match(readFileSync(join(reports, 'junit.xml'), 'utf8'), /our board connects and is the one the lab names/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
