// The platform's inventory as far as a device can change it over MQTT: devices by external id
// (c8y_Serial) in a hierarchy, and what their data did to them.

export interface Measurement { fragment: string; series: string; value: number; unit?: string; time: string; type?: string }
export interface Alarm { type: string; severity: string; text: string; time: string; count: number; status: 'ACTIVE' | 'CLEARED' }
export interface PlatformEvent { type: string; text: string; time: string }
export interface Location { lat?: number; lng?: number; alt?: number; accuracy?: number; time: string }

export interface Device {
  externalId: string;
  name: string;
  type: string;
  parent?: string;
  children: string[];
  created: string;
  hardware?: { serialNumber?: string; model?: string; revision?: string };
  configuration?: string;
  supportedOperations: string[];
  firmware?: { name?: string; version?: string; url?: string };
  requiredAvailability?: number;
  /** the latest value of each fragment and series */
  measurements: Record<string, Measurement>;
  measurementCount: number;
  /** one active alarm per type */
  alarms: Record<string, Alarm>;
  events: PlatformEvent[];
  location?: Location;
  position?: Location;
}

export class Inventory {
  private readonly devices = new Map<string, Device>();

  get(id: string): Device | undefined { return this.devices.get(id); }
  has(id: string): boolean { return this.devices.has(id); }
  all(): Device[] { return [...this.devices.values()]; }

  create(id: string, name: string, type: string, parent?: string): Device {
    const d: Device = { externalId: id, name, type, children: [], created: new Date().toISOString(), supportedOperations: [], measurements: {}, measurementCount: 0, alarms: {}, events: [] };
    if (parent !== undefined) {
      d.parent = parent;
      this.devices.get(parent)!.children.push(id);
    }
    this.devices.set(id, d);
    return d;
  }

  /** the root of a device's hierarchy: the device whose connection it is reached through */
  rootOf(id: string): string {
    let d = this.devices.get(id);
    while (d?.parent !== undefined) d = this.devices.get(d.parent);
    return d?.externalId ?? id;
  }

  /** the device and all below it */
  subtree(id: string): string[] {
    const out: string[] = [];
    const walk = (x: string) => { out.push(x); for (const c of this.devices.get(x)?.children ?? []) walk(c); };
    if (this.devices.has(id)) walk(id);
    return out;
  }
}
