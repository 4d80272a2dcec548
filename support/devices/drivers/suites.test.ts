// The conformance suite (the hil profile: what any device is held to) against the emulated
// device through every driver, each from its lab file in fixtures/labs/: the emulator on a pty
// for the serial driver, behind a real ser2net for the tcp driver, as a process, in a container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ptyPair, socatMissing, stopProcess } from '../emulated.ts';
import { freePort, ser2netMissing, startSer2net } from '../ser2net.ts';
import { containerEngineMissing } from '../container-device.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');

/** the emulator on the board end of a pty pair; the harness end is what a lab names */
async function emulatorOnPty(dir: string, serial: string) {
  const pty = await ptyPair(dir);
  const emulator = spawn(process.execPath, [BIN, 'emulate', '--tty', pty.board, '--serial', serial], {
    stdio: 'ignore',
  });
  return {
    tty: pty.harness,
    stop: async () => {
      await stopProcess(emulator);
      await stopProcess(pty.socat);
    },
  };
}

/** the failed steps of a run, for the assertion message */
function failures(reportFile: string): string {
  if (!existsSync(reportFile)) return '';
  type Step = { name?: string; result: { status: string; error_message?: string } };
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    elements: { name: string; steps: Step[]; after?: Step[] }[];
  }[];
  return report
    .flatMap((f) => f.elements)
    .flatMap((e) =>
      [...e.steps, ...(e.after ?? [])]
        .filter((st) => st.result.status === 'failed')
        .map(
          (st) =>
            `${e.name}: ${st.name ?? 'hook'}: ${(st.result.error_message ?? '').split('\n').slice(0, 6).join(' | ')}`,
        ),
    )
    .join('\n');
}

// the same firmware through another driver, console or dialect (or as an agent): what is new is
// the driver, so the resilience features (long waits on timers the firmware keeps, needing nothing
// from the console) run on the emulated driver in the main run and on the paho agent (another MQTT
// stack), not again here
// (and the scenario of several devices: its peer is the emulated device whatever the driver; it
// runs in the main run and beside the ACME-7 board)
const SAME_FIRMWARE = ['--tags', 'not @resilience and not @devices'];

function runSuite(lab: string, env: Record<string, string>, dir: string, extra: string[] = []) {
  const res = spawnSync(
    process.execPath,
    [BIN, 'run', '--lab', join(ROOT, 'fixtures', 'labs', lab), '--profile', 'hil', ...extra],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...env, C8Y_HIL_REPORTS: join(dir, 'reports'), C8Y_HIL_FAULTS: '' },
    },
  );
  const failed = failures(join(dir, 'reports', 'report.json'));
  const tail = `${res.stdout.slice(-3000)}\n${res.stderr.slice(-2000)}\n${failed}`;
  return {
    status: res.status,
    first: res.stdout.split('\n')[0] ?? '',
    tail,
    scenarios: /(\d+) scenarios \(([^)]*)\)/.exec(res.stdout),
  };
}

function expectPassed(r: ReturnType<typeof runSuite>, driver: string) {
  assert.equal(r.status, 0, r.tail);
  assert.match(r.first, new RegExp(`through the ${driver} driver`));
  assert.ok(r.scenarios && !/failed/.test(r.scenarios[2]!), r.tail);
}

test('the suite through the process driver passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    expectPassed(runSuite('process.yaml', {}, dir, SAME_FIRMWARE), 'process');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// the listeners stay up between scenarios: every scenario of these features finds the same ports,
// and each record holds only its own scenario's connections
test('a lab with fixed broker ports: connect, operations and lost links pass, one record each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    const ports = { C8Y_HIL_FIXED_MQTT: String(await freePort()), C8Y_HIL_FIXED_MQTTS: String(await freePort()) };
    const features = 'features/connect,features/operations/lifecycle.feature,features/sessions/clean-session.feature';
    const r = runSuite('fixed-ports.yaml', { ...ports, C8Y_HIL_FEATURES: features }, dir);
    expectPassed(r, 'process');
    const records = readdirSync(join(dir, 'reports', 'records')).filter((f) => f.endsWith('.jsonl'));
    assert.ok(records.length >= 5, `one record per scenario: ${records.join(', ')}`);
    for (const f of records) {
      const lines = readFileSync(join(dir, 'reports', 'records', f), 'utf8')
        .trim()
        .split('\n');
      assert.match(lines.at(-1)!, /"closed"/, `${f} is closed`);
      const opened = lines.filter((l) => /"kind":"connection","action":"open"/.test(l)).length;
      assert.ok(opened <= 6, `${f} holds its own scenario's connections only (${opened})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the suite through the serial driver (a pty) passes', { skip: socatMissing() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  const emu = await emulatorOnPty(dir, 'HIL-LAB-TTY');
  try {
    expectPassed(runSuite('serial-pty.yaml', { C8Y_HIL_EMULATOR_TTY: emu.tty }, dir, SAME_FIRMWARE), 'serial');
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'the suite through the tcp driver (a real ser2net, telnet) passes',
  { skip: socatMissing() ?? ser2netMissing() },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
    const emu = await emulatorOnPty(dir, 'HIL-LAB-TCP');
    const server = await startSer2net({ tty: emu.tty, baud: 115200, protocol: 'telnet', dir });
    try {
      expectPassed(
        runSuite('tcp-ser2net.yaml', { C8Y_HIL_SER2NET_PORT: String(server.port) }, dir, SAME_FIRMWARE),
        'tcp',
      );
    } finally {
      await server.stop();
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the suite through the container driver passes', async (t) => {
  const missing = await containerEngineMissing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    expectPassed(runSuite('container.yaml', {}, dir, SAME_FIRMWARE), 'container');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ACME-7 (AT dialect, CRLF, echo, no TLS, no children): 0 failures, every skip named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    const r = runSuite('acme7.yaml', {}, dir, ['--tags', 'not @resilience']);
    expectPassed(r, 'process');
    assert.match(r.first, /testing ACME-7 \(ACME7-0001\) through the process driver, profile ACME-7 board/);
    assert.match(r.tail, /the wss transport\s+no\s+\(1 scenario skipped\)/);
    assert.match(r.tail, /children\s+no\s+\(2 scenarios skipped\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the agent driver (the emulator in agent mode, no console): console scenarios skipped with reasons', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    // what is the agent driver's own (configure through its config file, restart, no console) is
    // in connecting, operations, sessions and transports; SmartREST and QoS are the firmware's
    const tags = 'not @resilience and not @devices and not @smartrest and not @qos and not @browser';
    const r = runSuite('agent-emulator.yaml', {}, dir, ['--tags', tags]);
    expectPassed(r, 'agent');
    assert.match(r.tail, /children\s+no\s+\(2 scenarios skipped\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const pahoMissing =
  spawnSync('/usr/bin/python3', ['-c', 'import paho.mqtt.client']).status === 0
    ? undefined
    : "Debian's python3-paho-mqtt is not installed (npm run setup installs it)";

test(
  'the suite through the agent driver (a paho agent in Python): what it lacks is skipped, the rest passes',
  { skip: pahoMissing },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
    try {
      const r = runSuite('agent-paho.yaml', {}, dir);
      expectPassed(r, 'agent');
      assert.match(r.tail, /the wss transport\s+no\s+\(1 scenario skipped\)/);
      assert.match(r.tail, /the operation c8y_Configuration\s+no\s+\(\d+ scenarios? skipped\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

// the same firmware as the agent-mode run above: what is new is the image's start with the config
// folder mounted, so the operations and the link-control scenarios suffice (and keep npm test short)
test('the agent driver with an image (the emulator as a containerised agent): operations and lost links', async (t) => {
  const missing = await containerEngineMissing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-suite-'));
  try {
    const features = 'features/operations/lifecycle.feature,features/sessions/clean-session.feature';
    const r = runSuite('agent-container.yaml', { C8Y_HIL_FEATURES: features }, dir);
    expectPassed(r, 'agent');
    assert.match(r.tail, /\d+ scenarios \(\d+ passed\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
