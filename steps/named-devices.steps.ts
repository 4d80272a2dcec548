// Several devices in one scenario: `the device "peer"` is a device the scenario names beside the
// device under test. Each step is the unnamed step's body, run with the named device swapped in.
import { Given, Then, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { answeredInOrder } from '../support/checks/operations.ts';
import { connectDevice, judge } from '../support/steps-context.ts';
import type { HilWorld } from '../support/world.ts';

Given(
  'the device {string} is set up for the broker over {transport}',
  function (this: HilWorld, name: string, transport: Transport) {
    return this.as(name, () => {
      this.settings = { ...this.settings, ...this.lab.deviceSettings(transport) };
    });
  },
);

When('the device {string} connects', function (this: HilWorld, name: string) {
  return this.as(name, () => connectDevice(this));
});

When('the device {string} disconnects', function (this: HilWorld, name: string) {
  return this.as(name, () => this.device.disconnect());
});

Then(
  'the device {string} answered it with 501 then 503 on {string}, in order, exactly once',
  function (this: HilWorld, name: string, topic: string) {
    return this.as(name, () => judge(this, (c) => answeredInOrder(c, this.operation!, this.expand(topic), 503)));
  },
);
