// Cucumber world: the scenario's Lab, the device under test, and what the steps learned.
import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import type { Transport } from './broker/options.ts';
import type { OperationRef } from './checks/operations.ts';
import type { DeviceSettings } from './devices/device.ts';
import type { Device } from './devices/device.ts';
import type { Lab } from './lab.ts';
import type { LabConfig } from './lab-file.ts';
import { openNamedDevice, type NamedDevice } from './named-devices.ts';

export class HilWorld extends World {
  lab!: Lab;
  device!: Device;
  /** a device in Chromium or a container that this scenario started, instead of the worker's device */
  browserDevice: Device | undefined;
  /** what the device will be configured with when it connects */
  settings: DeviceSettings = {};
  transport: Transport = 'mqtt';
  /** the latest connect attempt of the device or a helper client */
  lastConnect: { conn?: string; returnCode?: number; error?: string } | undefined;
  operation: OperationRef | undefined;
  /** the record position before a burst of requests the scenario measures */
  burstSince = 0;
  /** operations a step created several at a time */
  operations: OperationRef[] = [];
  /** what the scenario configured the device with, so the checks can hold it to that */
  expected: { qos?: 0 | 1 | 2; clean?: boolean } = {};
  /** rules the scenario breaks on purpose (its @expects:<rule> tags): the audit lists them as expected */
  expectedRules = new Set<string>();
  /** the device a step last asked to send data for, and the record position then */
  dataFor: { device: string; since: number } | undefined;
  /** record position where the device last lost its link: a reconnect counts from there */
  linkLostAt = 0;
  /** the run's lab, for the devices a scenario names beside the device under test */
  runLab!: LabConfig;
  /** devices the scenario named (`the device "peer"`), opened by their first step */
  named = new Map<string, NamedDevice>();
  constructor(options: IWorldOptions) {
    super(options);
  }

  /**
   * In a step's text, `{serial}` stands for the device identifier of the device under test, and
   * `{configuration}` / `{command}` for the examples its profile says it accepts; `{serial:peer}`
   * for the identifier of the device the scenario named "peer".
   */
  expand(text: string): string {
    const x = this.device.profile.examples;
    return text
      .replace(/\{serial:([^}]+)\}/g, (_, name: string) => this.namedDevice(name).device.id)
      .replaceAll('{serial}', this.device.id)
      .replaceAll('{configuration}', x.configuration)
      .replaceAll('{command}', x.command);
  }

  /** a device the scenario named in an earlier step */
  namedDevice(name: string): NamedDevice {
    const d = this.named.get(name);
    if (!d) throw new Error(`the device "${name}" is not in this scenario yet: a step must name it first`);
    return d;
  }

  /** the device the scenario calls `name`, opened and reset into the scenario's Lab the first time */
  async openNamed(name: string): Promise<NamedDevice> {
    let d = this.named.get(name);
    if (!d) {
      d = await openNamedDevice(this.runLab, this.lab, this.device, name);
      this.named.set(name, d);
    }
    return d;
  }

  /**
   * Run a step's body as if the named device were the device under test: its device, settings,
   * expectations and link are swapped in for the call and kept after it.
   */
  async as<T>(name: string, body: () => Promise<T> | T): Promise<T> {
    const d = await this.openNamed(name);
    if (d.device === this.device) return body();
    const own = { device: this.device, settings: this.settings, expected: this.expected, linkLostAt: this.linkLostAt };
    Object.assign(this, { device: d.device, settings: d.settings, expected: d.expected, linkLostAt: d.linkLostAt });
    try {
      return await body();
    } finally {
      Object.assign(d, { settings: this.settings, expected: this.expected, linkLostAt: this.linkLostAt });
      Object.assign(this, own);
    }
  }

  /** the time an operation is given: the step's, or more when the profile says the device needs it */
  operationTime(stated: number): number {
    return Math.max(stated, this.device.profile.timeouts.operationMs);
  }

  /** an unsupported operation: a promised failure is waited for; otherwise it must not succeed for a while */
  unsupportedWait(): { within: number } | { throughout: number } {
    return this.device.profile.expect.unsupported === 'fail'
      ? { within: this.operationTime(5000) }
      : { throughout: 2000 };
  }
}

setWorldConstructor(HilWorld);
