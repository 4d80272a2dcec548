// The emulated driver: the reference firmware on one end of a real pseudo-terminal pair made by
// socat, and the harness on the other end through the serial driver, the same path as a board.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError } from './console.ts';
import { loadProfile } from './profile.ts';
import { ProfileDevice } from './profile-device.ts';
import { SerialConsole } from './serial-console.ts';
import { DeviceUnavailable } from './unavailable.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EMULATED_PROFILE = join(ROOT, 'fixtures', 'devices', 'emulated.yaml');
const BIN = join(ROOT, 'bin', 'c8y-hil.mjs');

export function socatMissing(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v socat']).status === 0
    ? undefined
    : 'socat is not installed, so no pseudo-terminal pair can be made: apt-get install -y --no-install-recommends socat';
}

/** end a process we started, by its PID: SIGTERM, then SIGKILL */
export function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid, 'SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }, graceMs).unref();
  });
}

export interface PtyPair {
  harness: string;
  board: string;
  socat: ChildProcess;
}

/** a pseudo-terminal pair: links to both ends in dir */
export async function ptyPair(dir: string): Promise<PtyPair> {
  const missing = socatMissing();
  if (missing) throw new DeviceUnavailable(missing);
  const harness = join(dir, 'harness-tty');
  const board = join(dir, 'board-tty');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${harness}`, `pty,raw,echo=0,link=${board}`], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 5000;
  while (!(existsSync(harness) && existsSync(board))) {
    if (socat.exitCode !== null)
      throw new ConsoleError(`socat exited with code ${socat.exitCode} before making the pseudo-terminals in ${dir}`);
    if (Date.now() > deadline) {
      await stopProcess(socat);
      throw new ConsoleError(`socat made no pseudo-terminals in ${dir} within 5 s`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { harness, board, socat };
}

export interface EmulatedOptions {
  serial: string;
  record?: TrafficRecord;
  dir?: string;
  profile?: string;
}

/** Start the emulator on a pty pair and talk to it through the serial driver. */
export async function startEmulatedDevice(opts: EmulatedOptions): Promise<ProfileDevice> {
  const profile = loadProfile(opts.profile ?? EMULATED_PROFILE);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'c8y-hil-emu-'));
  const pty = await ptyPair(dir);
  const emulator = spawn(
    process.execPath,
    [BIN, 'emulate', '--tty', pty.board, '--serial', opts.serial, '--baud', String(profile.console.baudRate)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderr: string[] = [];
  emulator.stderr!.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    opts.record?.add('console', { device: opts.serial, dir: 'stderr', line: d.toString().trimEnd() });
  });
  emulator.once('exit', (code, signal) => {
    opts.record?.add('device', {
      device: opts.serial,
      action: 'emulator-exited',
      code,
      signal,
      stderr: stderr.join('').slice(-2000),
    });
    if (code !== 0 && signal === null)
      process.stderr.write(
        `c8y-hil: the emulator of ${opts.serial} exited with code ${code}: ${stderr.join('').slice(-2000)}\n`,
      );
  });
  opts.record?.add('device', {
    device: opts.serial,
    action: 'emulator-started',
    pid: emulator.pid,
    tty: pty.harness,
    socatPid: pty.socat.pid,
  });
  // a folder made here (no dir given) goes with the device: no run leaves one behind
  const stopAll = async () => {
    await stopProcess(emulator);
    await stopProcess(pty.socat);
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  let console: SerialConsole | undefined;
  try {
    console = await SerialConsole.open(opts.serial, opts.record, {
      path: pty.harness,
      baudRate: profile.console.baudRate,
      newline: profile.console.newline,
      reattachTimeoutMs: profile.console.reattachTimeoutMs,
    });
    // bytes written before the emulator holds its end are lost: ask until it answers
    const deadline = Date.now() + 15_000;
    for (;;) {
      const since = console.mark();
      await console.send('ping');
      try {
        await console.waitFor({ expect: /^PONG/, timeoutMs: 300, since, what: 'waiting for the emulator to start' });
        break;
      } catch (err) {
        if (emulator.exitCode !== null)
          throw new ConsoleError(`the emulator exited with code ${emulator.exitCode}: ${stderr.join('').trim()}`);
        if (Date.now() > deadline) throw err;
      }
    }
  } catch (err) {
    await console?.close();
    await stopAll();
    throw err;
  }
  return new ProfileDevice(opts.serial, profile, console, opts.record, stopAll);
}
