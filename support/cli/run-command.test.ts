// c8y-hil run and the command's inputs: files and lines narrow the run, each attempt of a retry
// keeps its own record, the exit code says who failed (0 passed, 1 the device, 2 usage, 3 broken),
// every subcommand answers --help, and --version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseRunArgs } from './run-command.ts';
import { UsageError } from './usage-error.ts';
import { socatMissing } from '../devices/emulated.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');

function c8yHil(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

test('run arguments: paths resolved (with lines), cucumber options with values kept apart, --lab taken out', () => {
  const a = parseRunArgs(
    [
      '--lab',
      'lab.yaml',
      'features/qos/qos.feature:18',
      '--tags',
      '@qos',
      '-p',
      'hil',
      '--retry',
      '1',
      'features/connect',
    ],
    ROOT,
  );
  assert.equal(a.lab, join(ROOT, 'lab.yaml'));
  assert.deepEqual(a.paths, [join(ROOT, 'features/qos/qos.feature:18'), join(ROOT, 'features/connect')]);
  assert.deepEqual(a.cucumber, ['--tags', '@qos', '-p', 'hil', '--retry', '1']);
  assert.deepEqual(a.profiles, ['hil']);
  assert.throws(() => parseRunArgs(['no/such.feature'], ROOT), UsageError);
  assert.throws(() => parseRunArgs(['--retry', 'two'], ROOT), /--retry takes a whole number, not 'two'/);
  assert.throws(() => parseRunArgs(['--lab'], ROOT), /--lab needs a file/);
});

test('usage errors exit 2 with one line before anything runs; no reports folder is left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-run-'));
  try {
    const reports = join(dir, 'reports');
    for (const args of [
      ['run', '--profile', 'nope'],
      ['run', 'features/none.feature'],
      ['run', '--parallel', '-1'],
    ]) {
      const r = c8yHil(args, { C8Y_HIL_REPORTS: reports });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^c8y-hil: /);
    }
    assert.equal(existsSync(reports), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** the CLI as a child process, several at once (each start costs a second of loading) */
function c8yHilAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

test('every subcommand answers --help with its own usage; --version everywhere', async () => {
  const cmds = ['broker', 'emulate', 'cert', 'audit', 'report', 'matrix', 'bench', 'lab'];
  const helps = await Promise.all(cmds.map((cmd) => c8yHilAsync([cmd, '--help'])));
  cmds.forEach((cmd, i) => {
    assert.equal(helps[i]!.status, 0, `${cmd} --help: ${helps[i]!.stderr}`);
    assert.match(helps[i]!.stdout, new RegExp(`^Usage: c8y-hil ${cmd}`), cmd);
  });
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const versions = [['--version'], ['report', '--version'], ['broker', '--version']];
  const [run, ...asked] = await Promise.all([c8yHilAsync(['run', '--help']), ...versions.map((a) => c8yHilAsync(a))]);
  assert.equal(run!.status, 0, run!.stderr);
  assert.match(run!.stdout, /--lab FILE/);
  assert.match(run!.stdout, /Exit codes: 0 every scenario passed/);
  assert.match(run!.stdout, /--retry/, "cucumber's own options follow");
  for (const r of asked) assert.equal(r.stdout, `c8y-hil ${version}\n`);
});

test(
  'a line narrows the run; a retry keeps both records; a device fault is exit 1 naming the rule',
  { skip: socatMissing() },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-run-'));
    try {
      const reports = join(dir, 'reports');
      const r = c8yHil(['run', 'features/qos/qos.feature:19', '--retry', '1'], {
        C8Y_HIL_REPORTS: reports,
        C8Y_HIL_FAULTS: 'qos0',
      });
      assert.equal(r.status, 1, r.stdout.slice(-2000));
      assert.match(r.stdout, /c8y-hil: FAILED: 1 scenarios \(0 passed, 1 failed, 0 broken, 0 skipped\)/);
      const outcome = JSON.parse(readFileSync(join(reports, 'outcome.json'), 'utf8'));
      assert.equal(outcome.scenarios.length, 1);
      const [s] = outcome.scenarios;
      assert.equal(s.name, 'the device uses the configured QoS 1 both ways (#2: 1)');
      assert.equal(s.attempts.length, 2);
      assert.deepEqual(s.attempts[0].rules.includes('qos.as-configured'), true);
      const records = readdirSync(join(reports, 'records')).filter((f) => f.endsWith('.jsonl'));
      assert.equal(records.length, 2, `one record per attempt: ${records.join(', ')}`);
      assert.notEqual(s.attempts[0].record, s.attempts[1].record);
      const junit = readFileSync(join(reports, 'junit.xml'), 'utf8');
      assert.match(junit, /<property name="attempts" value="2"\/>/);
      assert.match(junit, /<failure type="qos.as-configured"/);
      assert.doesNotMatch(junit, /name="flaky"/);

      const ok = c8yHil(['run', 'features/connect/login.feature:21'], { C8Y_HIL_REPORTS: join(dir, 'ok') });
      assert.equal(ok.status, 0, ok.stdout.slice(-2000));
      assert.match(ok.stdout, /c8y-hil: PASSED: 1 scenarios \(1 passed, 0 failed, 0 broken, 0 skipped\)/);
      const one = JSON.parse(readFileSync(join(dir, 'ok', 'outcome.json'), 'utf8'));
      assert.deepEqual(
        one.scenarios.map((x: { name: string }) => x.name),
        ["a bad login is refused with the platform's code (#2: t100/nobody, s3cret, 4)"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
