// Drivers by name: each file in this folder registers one, the lab file picks it, and the rest
// of the harness sees only the Device it opens (labgrid's registry of drivers by name).
import type { LabConfig, DriverName } from '../../lab-file.ts';
import type { TrafficRecord } from '../../record/record.ts';
import type { Device } from '../device.ts';
import type { Profile } from '../profile.ts';

export interface DriverContext {
  lab: LabConfig;
  /** the device's profile: the lab's, or the driver's built-in one */
  profile: Profile;
  /** a folder the driver may use, removed with the device */
  dir: string;
  record?: TrafficRecord;
}

export interface Driver {
  name: DriverName;
  /** one line for --help and the run's first line: what the driver talks over */
  talksOver: string;
  open(ctx: DriverContext): Promise<Device>;
}

const drivers = new Map<DriverName, Driver>();

export function registerDriver(d: Driver): void {
  if (drivers.has(d.name)) throw new Error(`two drivers are registered as '${d.name}'`);
  drivers.set(d.name, d);
}

export function driverNamed(name: DriverName): Driver {
  const d = drivers.get(name);
  if (!d) throw new Error(`no driver '${name}' is registered (registered: ${[...drivers.keys()].join(', ')})`);
  return d;
}

export function registeredDrivers(): Driver[] {
  return [...drivers.values()];
}
