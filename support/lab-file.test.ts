// The lab file: a good one loads with its paths and ${ENV} filled in; every mistake is named at
// once with the file and the field; the published JSON Schema is the schema; the CLI refuses a bad
// lab, or a real-device profile without one, with exit 2 before any scenario runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeLab, labJsonSchema, LabFileError, labOfRun, loadLab, validateLab } from './lab-file.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');

function labIn(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-labfile-'));
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, text);
  writeFileSync(join(dir, 'board.yaml'), readFileSync(join(ROOT, 'fixtures', 'devices', 'emulated.yaml')));
  return { dir, file };
}

test('lab file: a tcp board, its profile beside the lab, a port from the environment, fixed broker settings', () => {
  const { dir, file } = labIn(`
device:
  id: ACME-7
  driver: tcp
  profile: board.yaml
  tcp: { host: 127.0.0.1, port: "\${CONSOLE_PORT}", protocol: telnet }
broker:
  bind: 0.0.0.0
  host: lab-broker.local
  ports: { mqtt: 1883 }
  password: "\${LAB_PASSWORD}"
`);
  try {
    const lab = loadLab(file, { CONSOLE_PORT: '4001', LAB_PASSWORD: 'pw' });
    assert.deepEqual(lab.device.tcp, { host: '127.0.0.1', port: 4001, protocol: 'telnet' });
    assert.equal(lab.device.profileFile, join(dir, 'board.yaml'));
    assert.equal(lab.profile?.name, 'c8y-hil emulated device');
    assert.deepEqual(lab.broker, { bind: '0.0.0.0', host: 'lab-broker.local', ports: { mqtt: 1883 }, password: 'pw' });
    assert.equal(
      describeLab(lab),
      `c8y-hil: lab ${file}: testing ACME-7 through the tcp driver, profile c8y-hil emulated device`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lab file: five mistakes are reported at once, each with the file and the field', () => {
  const { dir, file } = labIn(`
device:
  id: ""
  driver: tcp
  profile: missing.yaml
  colour: red
broker:
  ports: { mqtt: 70000 }
`);
  try {
    const err = (() => {
      try {
        loadLab(file, {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof LabFileError, 'a LabFileError');
    assert.equal(err.problems.length, 5, err.message);
    const expected = [
      /^device: Unrecognized key: "colour"/,
      /^device\.id: must not be empty/,
      /^broker\.ports\.mqtt: Too big/,
      /^device\.tcp: missing; the tcp driver needs tcp\.host and tcp\.port/,
      /^device\.profile: cannot read the device profile .*missing\.yaml: no such file/,
    ];
    for (const re of expected)
      assert.ok(
        err.problems.some((p) => re.test(p)),
        `${re} in:\n${err.message}`,
      );
    assert.match(
      err.message,
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 5 problems in the lab file:\n  - `),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lab file: an unset ${VAR}, a missing file and bad YAML are named', () => {
  const { dir, file } = labIn('device: { id: X, driver: emulated }\nbroker: { password: "${NOPE}" }\n');
  try {
    assert.throws(() => loadLab(file, {}), /broker\.password: the environment variable NOPE is not set/);
    assert.throws(
      () => loadLab(join(dir, 'none.yaml'), {}),
      /none\.yaml: 1 problem in the lab file:\n {2}- cannot read the lab file: no such file/,
    );
    writeFileSync(file, 'device: [');
    assert.throws(() => loadLab(file, {}), /lab\.yaml: 1 problem in the lab file:\n {2}- not valid YAML/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lab of the run: none is the built-in emulated device; the older board variables make a serial lab', () => {
  const env: NodeJS.ProcessEnv = {};
  const built = labOfRun(env);
  assert.deepEqual(
    [built.file, built.device.driver, built.device.id],
    [undefined, 'emulated', env.C8Y_HIL_EMULATED_ID],
  );
  assert.match(describeLab(built), /^c8y-hil: no lab file: testing the built-in emulated device HIL-EMU-\d+/);
  const profile = join(ROOT, 'fixtures', 'devices', 'example-board.yaml');
  const board = labOfRun({ C8Y_HIL_PROFILE: profile, C8Y_HIL_TTY: '/dev/ttyUSB7', C8Y_HIL_DEVICE_ID: 'SN9' });
  assert.deepEqual(
    [board.device.driver, board.device.serial?.path, board.device.id],
    ['serial', '/dev/ttyUSB7', 'SN9'],
  );
});

test('the published JSON Schema (schemas/lab.schema.json) is the one the harness validates with', () => {
  const published = JSON.parse(readFileSync(join(ROOT, 'schemas', 'lab.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(published, labJsonSchema(), 'regenerate it: npm run schemas');
});

test('c8y-hil run: a bad lab file, and --profile hil without a lab, are usage errors (exit 2) before any run', () => {
  const { dir, file } = labIn('device: { id: X, driver: serial, profile: board.yaml }\nbrokr: {}\n');
  try {
    const bad = spawnSync(process.execPath, [BIN, 'run', '--lab', file], {
      encoding: 'utf8',
      env: { ...process.env, C8Y_HIL_LAB: '' },
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /2 problems in the lab file:\n {2}- \(top\): Unrecognized key: "brokr"\n {2}- device\.serial: missing/,
    );
    const hil = spawnSync(process.execPath, [BIN, 'run', '--profile', 'hil'], {
      encoding: 'utf8',
      env: { ...process.env, C8Y_HIL_LAB: '' },
    });
    assert.equal(hil.status, 2, hil.stderr);
    assert.match(
      hil.stderr,
      /^c8y-hil: --profile hil tests a real device, but no lab file says which: give --lab lab\.yaml/,
    );
    assert.equal(hil.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lab file: several devices: the one C8Y_HIL_LAB_DEVICE names (else the first), every one listed with tags', () => {
  const doc = {
    devices: [
      { name: 'a', id: 'ID-A', driver: 'emulated', tags: { model: 'emu' } },
      { id: 'ID-B', driver: 'emulated' },
    ],
    leases: { redis: 'redis://127.0.0.1:1', ttl: '2s', wait: 500 },
  };
  const first = validateLab(doc, 'farm.yaml', {});
  assert.equal(first.device.id, 'ID-A');
  assert.deepEqual(first.places, [
    { name: 'a', id: 'ID-A', driver: 'emulated', tags: { model: 'emu' } },
    { name: 'ID-B', id: 'ID-B', driver: 'emulated', tags: {} },
  ]);
  assert.deepEqual(first.leases, { redis: 'redis://127.0.0.1:1', ttlMs: 2000, waitMs: 500 });
  assert.equal(validateLab(doc, 'farm.yaml', { C8Y_HIL_LAB_DEVICE: 'ID-B' }).device.id, 'ID-B', 'by id');
  assert.equal(
    validateLab({ device: { id: 'X', driver: 'emulated' }, leases: {} }, 'l.yaml', {}).leases?.ttlMs,
    30_000,
  );
});

test('lab file: several devices: device and devices, an unknown name, a bad entry, a bad duration, all named', () => {
  const bad = {
    device: { id: 'X', driver: 'emulated' },
    devices: [
      { id: 'ID-A', driver: 'emulated' },
      { id: 'ID-B', driver: 'serial' },
    ],
    leases: { ttl: 'soon' },
  };
  const err = (() => {
    try {
      validateLab(bad, 'farm.yaml', { C8Y_HIL_LAB_DEVICE: 'nope' });
    } catch (e) {
      return e as LabFileError;
    }
    return undefined;
  })();
  assert.ok(err instanceof LabFileError);
  const text = err.problems.join('\n');
  assert.match(text, /device, devices: give one device or a list of them, not both/);
  assert.match(text, /C8Y_HIL_LAB_DEVICE: no device 'nope' in devices \(ID-A, ID-B\)/);
  assert.match(text, /devices\[1\]\.serial: missing; the serial driver needs serial\.path or serial\.usb/);
  assert.match(text, /leases\.ttl: a duration like 500ms, 30s, 2m or 2h/);
  assert.throws(() => validateLab({ devices: [] }, 'farm.yaml', {}), /devices/);
});
