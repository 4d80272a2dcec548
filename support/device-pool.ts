// The device under test, one per cucumber worker: the emulated device by default, or a board on
// a tty when C8Y_HIL_PROFILE and C8Y_HIL_TTY say so. Scenarios reset it; the worker stops it.
import { loadProfile } from './devices/profile.ts';
import { ProfileDevice } from './devices/profile-device.ts';
import { SerialConsole } from './devices/serial-console.ts';
import { startEmulatedDevice } from './devices/emulated.ts';
import { isFault, FAULTS } from './emulator/faults.ts';

export interface DeviceUnderTest { device: ProfileDevice; emulated: boolean }

let current: Promise<DeviceUnderTest> | undefined;

/** faults to switch on in the emulator for this run: C8Y_HIL_FAULTS=a,b */
export function requestedFaults(): string[] {
  const names = (process.env.C8Y_HIL_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isFault(n)) throw new Error(`C8Y_HIL_FAULTS names an unknown fault '${n}'; faults: ${Object.keys(FAULTS).join(', ')}`);
  return names;
}

async function open(): Promise<DeviceUnderTest> {
  const profilePath = process.env.C8Y_HIL_PROFILE;
  const tty = process.env.C8Y_HIL_TTY;
  if (profilePath || tty) {
    if (!profilePath || !tty) throw new Error('a board needs both C8Y_HIL_PROFILE (its profile file) and C8Y_HIL_TTY (its serial port)');
    const id = process.env.C8Y_HIL_DEVICE_ID;
    if (!id) throw new Error('a board needs C8Y_HIL_DEVICE_ID: the device identifier it registers with (its serial number)');
    const profile = loadProfile(profilePath);
    const console = await SerialConsole.open(id, undefined, { path: tty, baudRate: profile.console.baudRate, newline: profile.console.newline, reattachTimeoutMs: profile.console.reattachTimeoutMs });
    return { device: new ProfileDevice(id, profile, console, undefined), emulated: false };
  }
  return { device: await startEmulatedDevice({ serial: `HIL-EMU-${process.pid}` }), emulated: true };
}

export function deviceUnderTest(): Promise<DeviceUnderTest> {
  current ??= open().catch((err) => { current = undefined; throw err; });
  return current;
}

export async function stopDeviceUnderTest(): Promise<void> {
  const d = current;
  current = undefined;
  if (d) await (await d).device.stop();
}
