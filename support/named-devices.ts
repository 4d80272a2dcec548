// Devices a scenario names beside the device under test (`the device "peer"`): a gateway and its
// peer, two boards on one bench. A name is the device under test when the lab calls it so; else a
// device of the lab by that name (leased like the run's own, when the lab leases); else the
// built-in emulated device under an identifier of its own. Each is opened for the scenario, reset
// into its Lab, audited on its own and stopped after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceSettings, Device } from './devices/device.ts';
import { driverNamed } from './devices/drivers/index.ts';
import { EMULATED_PROFILE } from './devices/emulated.ts';
import { loadProfile } from './devices/profile.ts';
import { recorded } from './devices/recorded.ts';
import { labOfRun, type LabConfig } from './lab-file.ts';
import { leaseForRun } from './leases/run-lease.ts';
import type { Lab } from './lab.ts';

export interface NamedDevice {
  name: string;
  device: Device;
  /** what it will be configured with when it connects, and what the scenario holds it to */
  settings: DeviceSettings;
  expected: { qos?: 0 | 1 | 2; clean?: boolean };
  linkLostAt: number;
  /** ends what opening it started (the driver, its folder, its lease); none for the device under test */
  close(): Promise<void>;
}

/** the lab's device of this name, as a lab of its own (its profile loaded), when the lab has one */
function placeNamed(lab: LabConfig, name: string, env: NodeJS.ProcessEnv): LabConfig | undefined {
  if (!lab.file || !lab.places?.some((p) => p.name === name)) return undefined;
  return labOfRun({ ...env, C8Y_HIL_LAB_DEVICE: name }, lab.file);
}

/** a built-in emulated device beside the device under test: its identifier is the DUT's and the name */
function emulatedPeer(lab: LabConfig, dutId: string, name: string): LabConfig {
  const id = `${dutId}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return { ...lab, device: { id, driver: 'emulated' }, profile: loadProfile(EMULATED_PROFILE) } as LabConfig;
}

export async function openNamedDevice(
  runLab: LabConfig,
  scenarioLab: Lab,
  dut: Device,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NamedDevice> {
  const fresh = (device: Device, close: () => Promise<void>): NamedDevice => ({
    name,
    device,
    settings: scenarioLab.deviceSettings('mqtt'),
    expected: {},
    linkLostAt: 0,
    close,
  });
  if (runLab.device.name === name || runLab.device.id === name) return fresh(dut, async () => {});
  const lab = placeNamed(runLab, name, env) ?? emulatedPeer(runLab, dut.id, name);
  const lease = lab.file && lab.device.id !== runLab.device.id ? await leaseForRun(lab, env.C8Y_HIL_RUN_ID) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-named-'));
  let device: Device;
  try {
    const profile = lab.profile ?? loadProfile(EMULATED_PROFILE);
    device = recorded(await driverNamed(lab.device.driver).open({ lab, profile, dir }));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    await lease?.release();
    throw err;
  }
  device.setRecord(scenarioLab.record);
  await device.reset();
  return fresh(device, async () => {
    await device.disconnect().catch(() => {
      /* it may not be connected */
    });
    device.setRecord(undefined);
    await device.stop();
    rmSync(dir, { recursive: true, force: true });
    await lease?.release();
  });
}
