// What the device's traffic did on the platform.
import { Then } from '@cucumber/cucumber';
import { eventually } from '../support/checks/eventually.ts';
import { failure } from '../support/checks/excerpt.ts';
import type { HilWorld } from '../support/world.ts';

Then('the platform has {string} as a child of {string}', async function (this: HilWorld, child: string, parent: string) {
  const c = this.expand(child), p = this.expand(parent);
  await eventually(() => {
    if (this.lab.platform.inventory.get(c)?.parent !== p) throw failure(`'${c}' below '${p}' on the platform`, this.lab.record.select({ kind: 'platform' }), this.lab.recordPath);
  }, 3000);
});

Then('the platform has a temperature of {float} on {string}', async function (this: HilWorld, value: number, device: string) {
  const d = this.expand(device);
  await eventually(() => {
    const m = this.lab.platform.inventory.get(d)?.measurements['c8y_TemperatureMeasurement.T'];
    if (m?.value !== value) throw failure(`a temperature of ${value} on '${d}'`, this.lab.record.select({ kind: 'platform', where: (e) => e.change === 'measurement' }), this.lab.recordPath);
  }, 3000);
});

Then('the platform has an event {word} with the text {json}', async function (this: HilWorld, type: string, text: string) {
  await eventually(() => {
    const e = this.lab.platform.inventory.get(this.device.id)?.events.filter((x) => x.type === type).at(-1);
    if (e?.text !== text) throw failure(`an event ${type} with the text ${JSON.stringify(text)}${e ? `, got ${JSON.stringify(e.text)}` : ''}`, this.lab.record.select({ kind: 'platform' }).concat(this.lab.record.select({ decision: 'smartrest-error' })), this.lab.recordPath);
  }, 3000);
});

Then('the platform has the measurement {word} {word} with unit {json}', async function (this: HilWorld, fragment: string, series: string, unit: string) {
  await eventually(() => {
    const m = this.lab.platform.inventory.get(this.device.id)?.measurements[`${fragment}.${series}`];
    if (m?.unit !== unit) throw failure(`a measurement ${fragment}.${series} with unit ${JSON.stringify(unit)}${m ? `, got ${JSON.stringify(m.unit)}` : ''}`, this.lab.record.select({ kind: 'platform' }).concat(this.lab.record.select({ decision: 'smartrest-error' })), this.lab.recordPath);
  }, 3000);
});

Then('the device\'s configuration on the platform is {json}', async function (this: HilWorld, text: string) {
  await eventually(() => {
    const c = (this.lab.platform.inventory.get(this.device.id)?.fragments.c8y_Configuration as { config?: string } | undefined)?.config;
    if (c !== text) throw failure(`the configuration ${JSON.stringify(text)}, got ${JSON.stringify(c)}`, this.lab.record.select({ kind: 'platform' }), this.lab.recordPath);
  }, 3000);
});
