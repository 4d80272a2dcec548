// Shards as one run: their message streams joined (one start, one finish, one meta), and a real
// run of the suite split in two with cucumber's --shard, merged into one report, JUnit and outcome.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { joinStreams } from './merge-runs.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-merge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ts = (seconds: number) => ({ seconds, nanos: 0 });

test('joined streams: the earliest start, the latest finish, one meta; a failed shard fails the whole', () => {
  const shard = (start: number, end: number, success: boolean, id: string) => [
    { meta: { id } },
    { testRunStarted: { timestamp: ts(start) } },
    { pickle: { id: `p-${id}` } },
    { testRunFinished: { timestamp: ts(end), success } },
  ];
  const joined = joinStreams([shard(20, 30, true, 'a'), shard(10, 40, false, 'b')] as never);
  assert.deepEqual(
    joined.map((e) => Object.keys(e)[0]),
    ['meta', 'testRunStarted', 'pickle', 'pickle', 'testRunFinished'],
  );
  assert.deepEqual(joined[1]!.testRunStarted!.timestamp, ts(10));
  assert.deepEqual(joined[4]!.testRunFinished, { timestamp: ts(40), success: false });
});

test('c8y-hil run --shard 1/2 and 2/2, then report --merge: one run with every scenario, records of both', () => {
  const run = (i: number) =>
    spawnSync(
      process.execPath,
      [
        BIN,
        'run',
        'features/connect/registration.feature',
        'features/operations/lifecycle.feature',
        '--shard',
        `${i}/2`,
      ],
      { cwd: ROOT, env: { ...process.env, C8Y_HIL_REPORTS: join(dir, `s${i}`) }, encoding: 'utf8', timeout: 180_000 },
    );
  const counts = [1, 2].map((i) => {
    const r = run(i);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return Number(/PASSED: (\d+) scenarios/.exec(r.stdout)![1]);
  });
  const out = join(dir, 'merged');
  const m = spawnSync(process.execPath, [BIN, 'report', '--merge', join(dir, 's1'), join(dir, 's2'), '--out', out], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(m.status, 0, m.stderr);
  const total = counts[0]! + counts[1]!;
  assert.match(m.stdout, new RegExp(`PASSED: ${total} scenarios \\(${total} passed`));
  assert.equal((readFileSync(join(out, 'junit.xml'), 'utf8').match(/<testcase /g) ?? []).length, total);
  const outcome = JSON.parse(readFileSync(join(out, 'outcome.json'), 'utf8')) as { meta: { shards: string } };
  assert.equal(outcome.meta.shards, 's1 s2');
  assert.ok(existsSync(join(out, 'records', 's1')) && existsSync(join(out, 'records', 's2')));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /c8y-hil run: .*shards/);
  const bad = spawnSync(process.execPath, [BIN, 'report', '--merge', join(dir, 's1')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--merge needs two run folders or more/);
});
