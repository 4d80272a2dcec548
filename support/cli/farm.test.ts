// A lab of several devices, for real: two emulated devices and the ACME-7 board tested side by
// side in one run with one page over them; runs that share a lab lease its devices from a real
// redis-server (each run gets its own; a runner killed with SIGKILL frees its device after the
// TTL; a run that gets none in time is broken and names the holders); `c8y-hil lab`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redisMissing, startRedis, type RedisServer } from '../broker/redis-server.ts';
import { selectPlaces, worstExit } from './run-devices.ts';
import type { Place } from '../lab-file.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-farm-'));
let redis: RedisServer | undefined;
const started: ChildProcess[] = [];
/** the run and everything it started (its own process group) */
function killGroup(c: ChildProcess): void {
  try {
    if (c.pid) process.kill(-c.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
after(async () => {
  for (const c of started) killGroup(c);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => {
  const e: NodeJS.ProcessEnv = { ...process.env, C8Y_HIL_LEASE_DIR: join(dir, 'locks'), ...extra };
  for (const k of ['C8Y_HIL_RUN_ID', 'C8Y_HIL_LAB', 'C8Y_HIL_LAB_DEVICE'] as const) delete e[k];
  if (!extra.C8Y_HIL_REPORTS) delete e.C8Y_HIL_REPORTS;
  return e;
};

test('--devices: key=value pairs over name, id, driver and tags; none matching is a usage error', () => {
  const places: Place[] = [
    { name: 'a', id: 'A', driver: 'emulated', tags: { model: 'emu' } },
    { name: 'b', id: 'B', driver: 'process', tags: { model: 'acme7', firmware: '3.1.4' } },
  ];
  assert.deepEqual(
    selectPlaces(places, 'model=acme7,firmware=3.1.4').map((p) => p.name),
    ['b'],
  );
  assert.deepEqual(
    selectPlaces(places, 'driver=emulated').map((p) => p.name),
    ['a'],
  );
  assert.deepEqual(selectPlaces(places, undefined).length, 2);
  assert.throws(() => selectPlaces(places, 'model=x'), /--devices model=x matches none of the lab's devices \(a, b\)/);
  assert.throws(() => selectPlaces(places, 'model'), /key=value pairs/);
  assert.deepEqual([worstExit([0, 3, 1]), worstExit([0, 3]), worstExit([0, 0]), worstExit([2, 0])], [1, 3, 0, 2]);
});

test('two emulated devices and the ACME-7 board in one run: each passes, one page with a column each', () => {
  const reports = join(dir, 'farm-reports');
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'run',
      '--lab',
      join(ROOT, 'fixtures', 'labs', 'farm.yaml'),
      'features/connect/registration.feature',
      '--profile',
      'hil',
    ],
    { cwd: ROOT, env: env({ C8Y_HIL_REPORTS: reports }), encoding: 'utf8', timeout: 180_000 },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const name of ['emu-a', 'emu-b', 'acme7']) {
    assert.match(r.stdout, new RegExp(`\\[${name}\\] c8y-hil: PASSED: 1 scenarios`));
    assert.ok(existsSync(join(reports, name, 'report.html')), `${name} has its own report`);
  }
  assert.match(r.stdout, /c8y-hil: PASSED on 3 devices; devices: .*devices\.html/);
  const page = readFileSync(join(reports, 'devices.html'), 'utf8');
  assert.equal((page.match(/<th><a href="[^"]+\/report\.html">/g) ?? []).length, 3, 'a column per device');
  assert.match(page, /model: acme7<br>firmware: 3\.1\.4<br>driver: process/);
  assert.equal((page.match(/<td class="passed">/g) ?? []).length, 3, 'the feature passed on each');
  const only = spawnSync(
    process.execPath,
    [BIN, 'run', '--lab', join(ROOT, 'fixtures', 'labs', 'farm.yaml'), '--devices', 'model=none'],
    { cwd: ROOT, env: env(), encoding: 'utf8' },
  );
  assert.equal(only.status, 2);
  assert.match(only.stderr, /--devices model=none matches none of the lab's devices \(emu-a, emu-b, acme7\)/);
});

/** a `c8y-hil run --any-device` in its own process group; resolves with its leased device */
function anyDevice(lab: string): {
  child: ChildProcess;
  leased: Promise<string>;
  waiting: Promise<void>;
  out: () => string;
} {
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--lab', lab, '--any-device', 'features/resilience/reconnect.feature'],
    { cwd: ROOT, env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(child);
  let out = '';
  const seen = (re: RegExp) =>
    new Promise<string>((res, rej) => {
      const look = () => {
        const m = re.exec(out);
        if (m) res(m[1] ?? m[0]);
      };
      child.stdout!.on('data', look);
      child.stderr!.on('data', look);
      child.once('exit', (code) => rej(new Error(`exited ${code} before ${re}: ${out}`)));
    });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const leased = seen(/leased (\S+) as /);
  const waiting = seen(/waiting up to \d+ s for a device/).then(() => {});
  leased.catch(() => {});
  waiting.catch(() => {});
  return { child, leased, waiting, out: () => out };
}

test(
  'leases in Redis: two runs get a device each; SIGKILL frees one after the TTL; a third run gets none: broken',
  { skip: redisMissing(), timeout: 120_000 },
  async () => {
    redis = await startRedis(dir);
    const lab = join(dir, 'shared.yaml');
    writeFileSync(
      lab,
      [
        'devices:',
        '  - { name: left, id: HIL-SHARED-L, driver: emulated }',
        '  - { name: right, id: HIL-SHARED-R, driver: emulated }',
        `leases: { redis: "${redis.url}", ttl: 2s, wait: 5s }`,
      ].join('\n'),
    );
    const a = anyDevice(lab);
    const b = anyDevice(lab);
    try {
      const [da, db] = await Promise.all([a.leased, b.leased]);
      assert.notEqual(da, db, 'each run its own device');
      // the third run is already waiting (timed from the kill, not from its start-up)
      const c = anyDevice(lab);
      await c.waiting;
      killGroup(a.child);
      const killed = performance.now();
      assert.equal(await c.leased, da, "the killed runner's device");
      const freed = performance.now() - killed;
      assert.ok(freed < 2000 + 250 + 1000, `free within the TTL, a poll and a margin (${Math.round(freed)} ms)`);
      const d = spawnSync(process.execPath, [BIN, 'run', '--lab', lab, '--any-device'], {
        cwd: ROOT,
        env: env(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(d.status, 3, d.stdout + d.stderr);
      assert.match(d.stderr, new RegExp(`no device free: .*is leased by \\S+ pid ${b.child.pid}\\b`));
      assert.match(d.stderr, new RegExp(`is leased by \\S+ pid ${c.child.pid}\\b`));
    } finally {
      for (const x of started) killGroup(x);
    }
  },
);

test('c8y-hil lab: a person leases a device, status shows who, a second lease is refused, release', () => {
  const lab = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'lab', ...args], { cwd: dir, env: env(), encoding: 'utf8' });
  const taken = lab('lease', 'ACME7-0009', '--for', '2h', '--owner', 'alice at the bench');
  assert.equal(taken.status, 0, taken.stderr);
  assert.match(taken.stdout, /leased: ACME7-0009 {2}held by alice at the bench for 0 s, expires in 120 min/);
  assert.match(lab('status').stdout, /ACME7-0009 {2}held by alice at the bench/);
  const busy = lab('lease', 'ACME7-0009', '--owner', 'bob');
  assert.equal(busy.status, 3);
  assert.match(busy.stderr, /device ACME7-0009 is leased by alice at the bench since/);
  const stranger = lab('release', 'ACME7-0009', '--owner', 'bob');
  assert.deepEqual([stranger.status, stranger.stdout.trim()], [1, 'ACME7-0009 is not leased by bob']);
  assert.equal(lab('release', 'ACME7-0009', '--owner', 'alice at the bench').status, 0);
  assert.match(lab('status').stdout, /none/);
  assert.equal(lab('lease').status, 2);
  assert.equal(lab('frobnicate').status, 2);
  assert.match(lab('lease', 'X', '--for', 'soon').stderr, /'soon' is not a duration/);
});
