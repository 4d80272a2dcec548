// SIGINT to `c8y-hil run` mid-scenario, as a CI runner sends it to the process and as Ctrl-C sends
// it to the process group: exit 130, the verdict says INTERRUPTED, the finished scenario's reports
// are complete and valid, the interrupted scenario's record has its closing line, the scenario not
// begun is skipped, and no process and no temp folder of the run is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socatMissing } from '../devices/emulated.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');
const FEATURE = join(ROOT, 'fixtures', 'features', 'interrupt.feature');

/** every process below pid, now */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
    } catch {
      /* it ended meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (parents.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const ourTemps = () => new Set(readdirSync(tmpdir()).filter((f) => /^c8y-hil-(device|lab|emu|named)-/.test(f)));

async function interrupted(asGroup: boolean): Promise<void> {
  const reports = mkdtempSync(join(tmpdir(), 'c8y-hil-interrupt-'));
  const tempsBefore = ourTemps();
  const env = { ...process.env, C8Y_HIL_REPORTS: reports };
  const runner = spawn(process.execPath, [BIN, 'run', FEATURE], {
    env,
    detached: asGroup,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  runner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  runner.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
  try {
    // the second scenario is waiting once its record shows the operation created
    const records = join(reports, 'records');
    for (let i = 0; ; i++) {
      const rec = existsSync(records)
        ? readdirSync(records).find((f) => f.startsWith('during-the-interrupt'))
        : undefined;
      if (rec && readFileSync(join(records, rec), 'utf8').includes('"operation-created"')) break;
      assert.ok(i < 600, `the second scenario never began: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const below = descendants(runner.pid!);
    assert.ok(below.length >= 2, 'cucumber and the emulated device run below the runner');
    if (asGroup) process.kill(-runner.pid!, 'SIGINT');
    else runner.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
    assert.equal(code, 130, out);
    // the interrupted scenario is broken (not the device's doing), never failed
    assert.match(out, /c8y-hil: INTERRUPTED: 3 scenarios \(1 passed, 0 failed, 1 broken, 1 skipped\)/);
    // reports of the run are complete and valid
    const lines = readFileSync(join(reports, 'messages.ndjson'), 'utf8').trim().split('\n');
    assert.ok(
      lines.every((l) => JSON.parse(l)),
      'every message is JSON',
    );
    assert.ok(lines.some((l) => l.includes('"testRunFinished"')));
    assert.match(readFileSync(join(reports, 'report.html'), 'utf8'), /<\/html>\s*$/);
    assert.match(readFileSync(join(reports, 'junit.xml'), 'utf8'), /<\/testsuite>\s*(<\/testsuites>\s*)?$/);
    JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
    const rec = readdirSync(join(reports, 'records')).find((f) => f.startsWith('during-the-interrupt'))!;
    const last = JSON.parse(
      readFileSync(join(reports, 'records', rec), 'utf8')
        .trim()
        .split('\n')
        .at(-1)!,
    ) as {
      closed?: string;
    };
    assert.ok(last.closed, "the interrupted scenario's record ends with its closing line");
    // nothing left behind
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(below.filter(alive), [], 'no process of the run is left');
    const left = [...ourTemps()].filter((f) => !tempsBefore.has(f));
    assert.deepEqual(left, [], 'no temp folder of the run is left');
  } finally {
    if (runner.exitCode === null) process.kill(asGroup ? -runner.pid! : runner.pid!, 'SIGKILL');
    rmSync(reports, { recursive: true, force: true });
  }
}

test('SIGINT to c8y-hil run mid-scenario: exit 130, valid reports, nothing left behind', { skip: socatMissing() }, () =>
  interrupted(false),
);

test('SIGINT to its process group (Ctrl-C): the same', { skip: socatMissing() }, () => interrupted(true));
