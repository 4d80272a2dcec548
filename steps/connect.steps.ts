// Login, ClientId and takeover.
import { Then, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { clientIdWellFormed, connackOn, lastConnack, takenOver } from '../support/checks/connect.ts';
import { knowsDevice } from '../support/checks/platform-data.ts';
import { cleanAsConfigured } from '../support/checks/sessions.ts';
import { judge } from '../support/steps-context.ts';
import { LAB_LOGIN } from '../support/lab.ts';
import type { HilWorld } from '../support/world.ts';

Then('the broker answers the device CONNACK {int}', function (this: HilWorld, code: number) {
  return judge(this, (c) => lastConnack(c, code), { within: 3000 });
});

Then("the device's ClientId is well-formed", function (this: HilWorld) {
  return judge(this, clientIdWellFormed);
});

Then("the device's CONNECT has clean session {int}", function (this: HilWorld, clean: number) {
  return judge(this, (c) => cleanAsConfigured(c, clean === 1));
});

Then('the platform knows the device as {string}', function (this: HilWorld, id: string) {
  return judge(this, (c) => knowsDevice(c, this.expand(id)), { within: 3000 });
});

When(
  'a second client connects over {transport} as {string}',
  async function (this: HilWorld, transport: Transport, clientId: string) {
    this.lastConnect = await this.lab.connect(transport, {
      clientId: this.expand(clientId),
      username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`,
      password: LAB_LOGIN.password,
    });
  },
);

Then('the second client gets CONNACK {int}', function (this: HilWorld, code: number) {
  return judge(this, (c) => connackOn(c, this.lastConnect!.conn!, code));
});

Then("the broker closes the device's connection as a takeover", function (this: HilWorld) {
  return judge(this, takenOver, { within: 3000 });
});
