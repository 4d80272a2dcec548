// Cucumber glue: a Lab per scenario with the device under test reset into it; clean-up always
// runs and attaches the record.
import { After, AfterAll, AfterStep, Before, BeforeStep, setDefaultTimeout } from '@cucumber/cucumber';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deviceUnderTest, requestedFaults, stopDeviceUnderTest } from './device-pool.ts';
import { DeviceUnavailable } from './devices/unavailable.ts';
import { Lab } from './lab.ts';
import { trafficText } from './report/describe.ts';
import type { HilWorld } from './world.ts';

const RECORD_DIR = resolve(process.env.C8Y_HIL_RECORDS ?? join('reports', 'records'));

setDefaultTimeout(30_000);

Before(async function (this: HilWorld, { pickle }) {
  this.lab = await Lab.start({ recordDir: RECORD_DIR, name: `${pickle.name}-${pickle.id.slice(0, 8)}` });
  let dut;
  try {
    dut = await deviceUnderTest();
  } catch (err) {
    if (err instanceof DeviceUnavailable) { this.attach(`skipped: ${err.message}`, 'text/plain'); return 'skipped'; }
    throw err;
  }
  this.device = dut.device;
  this.emulated = dut.emulated;
  this.lab.device = dut.device;
  dut.device.setRecord(this.lab.record);
  if (dut.emulated) {
    await dut.device.action('clearFaults');
    for (const fault of requestedFaults()) await dut.device.action('fault', { fault, state: 'on' });
  }
  await dut.device.reset();
  this.settings = this.lab.deviceSettings('mqtt');
  return undefined;
});

// a warning counts only in a strict run (SPEC 8): scenarios about warnings run only then
Before({ tags: '@strict' }, function (this: HilWorld) {
  if (this.lab?.strict) return undefined;
  this.attach('skipped: this scenario judges a warning, which counts only in a strict run (C8Y_HIL_STRICT=1)', 'text/plain');
  return 'skipped';
});

After(async function (this: HilWorld) {
  if (!this.lab) return;
  if (this.device) {
    await this.device.disconnect().catch(() => { /* it may not be connected */ });
    this.device.setRecord(undefined);
  }
  if (this.browserDevice) await this.browserDevice.stop();
  const events = this.lab.record.events();
  await this.lab.close();
  this.attach(`record: ${this.lab.recordPath}`, 'text/plain');
  this.attach(trafficText(events), { mediaType: 'text/plain', fileName: 'traffic.txt' });
  this.attach(readFileSync(this.lab.recordPath, 'utf8'), { mediaType: 'application/x-ndjson', fileName: 'record.jsonl' });
});

AfterAll(async () => { await stopDeviceUnderTest(); });

// the start and end of each step go into the record, so the traffic can be read against the steps
BeforeStep(function (this: HilWorld, { pickleStep }) {
  this.lab?.record.add('step', { action: 'start', text: pickleStep.text });
});

AfterStep(function (this: HilWorld, { pickleStep, result }) {
  this.lab?.record.add('step', { action: 'end', text: pickleStep.text, status: result.status });
});
