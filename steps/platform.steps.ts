// What the device's traffic did on the platform, judged from the record's platform changes.
import { Then } from '@cucumber/cucumber';
import { childDataOnItsTopic, childOf } from '../support/checks/hierarchy.ts';
import { configurationReportedAs, eventWithText, measured, temperatureOf } from '../support/checks/platform-data.ts';
import { judge } from '../support/steps-context.ts';
import type { HilWorld } from '../support/world.ts';

const SOON = { within: 3000 };

Then('the platform has {string} as a child of {string}', function (this: HilWorld, child: string, parent: string) {
  return judge(this, (c) => childOf(c, this.expand(child), this.expand(parent)), SOON);
});

Then('the platform has a temperature of {float} on {string}', function (this: HilWorld, value: number, device: string) {
  return judge(this, (c) => temperatureOf(c, this.expand(device), value), SOON);
});

Then("the device sent it on the child's own topic", function (this: HilWorld) {
  return judge(this, (c) => childDataOnItsTopic(c, this.dataFor!.device, this.dataFor!.since), SOON);
});

Then('the platform has an event {word} with the text {json}', function (this: HilWorld, type: string, text: string) {
  return judge(this, (c) => eventWithText(c, this.device.id, type, text), SOON);
});

Then(
  'the platform has the measurement {word} {word} with unit {json}',
  function (this: HilWorld, fragment: string, series: string, unit: string) {
    return judge(this, (c) => measured(c, this.device.id, fragment, series, { unit }), SOON);
  },
);

Then("the device's configuration on the platform is {json}", function (this: HilWorld, text: string) {
  return judge(this, (c) => configurationReportedAs(c, this.device.id, this.expand(text)), SOON);
});
