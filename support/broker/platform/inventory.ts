// The platform's inventory as far as a device can change it over MQTT: managed objects by external
// id (c8y_Serial) in a hierarchy, their fragments, and what their data did to them.
import type { Measurement } from '../../smartrest/catalogue/index.ts';

export type { Measurement };
export interface Alarm {
  type: string;
  severity: string;
  text: string;
  time: string;
  count: number;
  status: 'ACTIVE' | 'CLEARED';
  fragments: Record<string, unknown>;
}
export interface PlatformEvent {
  type: string;
  text: string;
  time: string;
  fragments?: Record<string, unknown>;
}

export interface Device {
  /** the managed object's id (what 123 answers with 124) */
  id: string;
  externalId: string;
  name: string;
  type: string;
  /** a device, or a software service (102) below one */
  kind: 'device' | 'service';
  parent?: string;
  children: string[];
  created: string;
  /** the managed object's fragments: c8y_Hardware, c8y_Configuration, c8y_SupportedOperations, … */
  fragments: Record<string, unknown>;
  /** the latest value of each fragment and series */
  measurements: Record<string, Measurement>;
  measurementCount: number;
  /** one active alarm per type */
  alarms: Record<string, Alarm>;
  events: PlatformEvent[];
}

export class Inventory {
  private readonly devices = new Map<string, Device>();
  private nextId = 1000;
  /** where managed object ids come from when several processes share the inventory */
  idSource: (() => number) | undefined;
  /** told of each device created or changed here, so a shared inventory can pass it on */
  onChange: ((d: Device) => void) | undefined;

  /** every device's external id */
  ids(): string[] {
    return [...this.devices.keys()];
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }
  has(id: string): boolean {
    return this.devices.has(id);
  }
  all(): Device[] {
    return [...this.devices.values()];
  }
  byManagedObjectId(id: string): Device | undefined {
    return this.all().find((d) => d.id === id);
  }

  create(externalId: string, name: string, type: string, parent?: string, kind: Device['kind'] = 'device'): Device {
    const d: Device = {
      id: String(this.idSource ? this.idSource() : ++this.nextId),
      externalId,
      name,
      type,
      kind,
      children: [],
      created: new Date().toISOString(),
      fragments: kind === 'device' ? { c8y_IsDevice: {} } : {},
      measurements: {},
      measurementCount: 0,
      alarms: {},
      events: [],
    };
    if (parent !== undefined) {
      d.parent = parent;
      this.devices.get(parent)!.children.push(externalId);
    }
    this.devices.set(externalId, d);
    this.onChange?.(d);
    if (parent !== undefined) this.onChange?.(this.devices.get(parent)!);
    return d;
  }

  /** a device as another process of the cluster has it now */
  put(d: Device): void {
    this.devices.set(d.externalId, d);
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
    const walk = (x: string) => {
      out.push(x);
      for (const c of this.devices.get(x)?.children ?? []) walk(c);
    };
    if (this.devices.has(id)) walk(id);
    return out;
  }

  /** the managed object as JSON, as response templates and the API see it */
  json(d: Device): Record<string, unknown> {
    return {
      id: d.id,
      name: d.name,
      type: d.type,
      ...d.fragments,
      externalIds: [{ type: 'c8y_Serial', externalId: d.externalId }],
    };
  }
}
