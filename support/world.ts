// Cucumber world: the scenario's Lab, the device under test, and what the steps learned.
import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import type { Transport } from './broker/options.ts';
import type { OperationRef } from './checks/operations.ts';
import type { DeviceSettings } from './devices/device.ts';
import type { Device } from './devices/device.ts';
import type { Lab } from './lab.ts';

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
  constructor(options: IWorldOptions) {
    super(options);
  }

  /**
   * In a step's text, `{serial}` stands for the device identifier of the device under test, and
   * `{configuration}` / `{command}` for the examples its profile says it accepts.
   */
  expand(text: string): string {
    const x = this.device.profile.examples;
    return text
      .replaceAll('{serial}', this.device.id)
      .replaceAll('{configuration}', x.configuration)
      .replaceAll('{command}', x.command);
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
