// One Device interface: the step library never knows which driver is behind it.
import type { Transport } from '../broker/options.ts';
import type { TrafficRecord } from '../record/record.ts';
import type { Profile } from './profile.ts';

/** what the harness configures on a device before it connects */
export interface DeviceSettings {
  host?: string;
  port?: number;
  transport?: Transport;
  tenant?: string;
  user?: string;
  password?: string;
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  qos?: 0 | 1 | 2;
  /** file with the CA certificate for TLS transports */
  ca?: string;
  /** files with the device's client certificate and key, for certificate login on the TLS port */
  cert?: string;
  key?: string;
}

export interface Device {
  /** the device identifier (external id) the device registers with */
  readonly id: string;
  /** what the device is and can do: its actions, capabilities and expectations */
  readonly profile: Profile;
  /** where the device's console lines and events go from now on (a device outlives scenarios) */
  setRecord(record: TrafficRecord | undefined): void;
  /** whether the device can do an action (the profile says how) */
  has(action: string): boolean;
  /** power-cycle or reset */
  reset(): Promise<void>;
  configure(settings: DeviceSettings): Promise<void>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** publish raw SmartREST lines on a topic */
  publish(topic: string, payload: string): Promise<void>;
  /** lose the link without a clean DISCONNECT, and get it back */
  linkDown(): Promise<void>;
  linkUp(): Promise<void>;
  /** any other action the profile knows */
  action(name: string, vars?: Record<string, string>): Promise<void>;
  /** read the console until a line matches, within the timeout; returns that line */
  readUntil(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** end everything the driver started */
  stop(): Promise<void>;
}
