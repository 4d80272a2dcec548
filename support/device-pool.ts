// The device under test, one per cucumber worker: what the lab file says (the built-in emulated
// device when there is none), opened by its driver and wrapped so every call is recorded.
// Scenarios reset it; the worker stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from './devices/device.ts';
import { driverNamed } from './devices/drivers/index.ts';
import { EMULATED_PROFILE } from './devices/emulated.ts';
import { loadProfile } from './devices/profile.ts';
import { recorded } from './devices/recorded.ts';
import { isFault, FAULTS } from './emulator/faults.ts';
import type { LabConfig } from './lab-file.ts';

export interface DeviceUnderTest {
  device: Device;
  lab: LabConfig;
  /** a folder that lives as long as the device (mounted into a container device) */
  dir: string;
  /** fault switches to turn on in each scenario (the emulator's, or a profile with a fault action) */
  faults: string[];
}

let current: Promise<DeviceUnderTest> | undefined;

/** faults to switch on for this run: C8Y_HIL_FAULTS=a,b and the lab's device.faults */
export function requestedFaults(lab?: LabConfig, env = process.env): string[] {
  const names = [...(env.C8Y_HIL_FAULTS ?? '').split(','), ...(lab?.device.faults ?? [])]
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!isFault(n))
      throw new Error(
        `C8Y_HIL_FAULTS or device.faults names an unknown fault '${n}'; faults: ${Object.keys(FAULTS).join(', ')}`,
      );
  }
  return names;
}

async function open(lab: LabConfig): Promise<DeviceUnderTest> {
  const base = lab.profile ?? loadProfile(EMULATED_PROFILE);
  const profile = { ...base, variables: { ...base.variables, ...lab.device.variables } };
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-device-'));
  try {
    const device = recorded(await driverNamed(lab.device.driver).open({ lab, profile, dir }));
    const faults = requestedFaults(lab);
    if (faults.length > 0 && !device.has('fault')) {
      throw new Error(`faults were asked for (${faults.join(', ')}) but ${profile.file} has no fault action`);
    }
    return { device, lab, dir, faults };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export function deviceUnderTest(lab: LabConfig): Promise<DeviceUnderTest> {
  current ??= open(lab).catch((err) => {
    current = undefined;
    throw err;
  });
  return current;
}

export async function stopDeviceUnderTest(): Promise<void> {
  const d = current;
  current = undefined;
  if (!d) return;
  const dut = await d.catch(() => undefined);
  if (!dut) return;
  await dut.device.stop();
  rmSync(dut.dir, { recursive: true, force: true });
}
