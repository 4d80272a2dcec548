// Login, ClientId and takeover.
import { Then, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { checkConnack } from '../support/checks/connect.ts';
import { clientIdWellFormed, connectClean, lastConnack } from '../support/checks/conformance.ts';
import { eventually } from '../support/checks/eventually.ts';
import { failure } from '../support/checks/excerpt.ts';
import { ctx } from '../support/steps-context.ts';
import { LAB_LOGIN } from '../support/lab.ts';
import type { HilWorld } from '../support/world.ts';

Then('the broker answers the device CONNACK {int}', async function (this: HilWorld, code: number) {
  await eventually(() => lastConnack(ctx(this), code), 3000);
});

Then('the device\'s ClientId is well-formed', function (this: HilWorld) { clientIdWellFormed(ctx(this)); });

Then('the device\'s CONNECT has clean session {int}', function (this: HilWorld, clean: number) { connectClean(ctx(this), clean === 1); });

Then('the platform knows the device as {string}', async function (this: HilWorld, id: string) {
  const want = this.expand(id);
  await eventually(() => {
    if (!this.lab.platform.inventory.has(want)) throw failure(`a device '${want}' on the platform`, this.lab.record.select({ kind: 'platform' }), this.lab.recordPath);
  }, 3000);
});

When('a second client connects over {transport} as {string}', async function (this: HilWorld, transport: Transport, clientId: string) {
  this.lastConnect = await this.lab.connect(transport, { clientId: this.expand(clientId), username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`, password: LAB_LOGIN.password });
});

Then('the second client gets CONNACK {int}', function (this: HilWorld, code: number) {
  checkConnack(this.lab.record.events(), this.lastConnect!.conn!, code, this.lab.recordPath);
});

Then('the broker closes the device\'s connection as a takeover', async function (this: HilWorld) {
  await eventually(() => {
    const t = this.lab.record.select({ decision: 'takeover', deviceId: this.device.id });
    if (t.length !== 1) throw failure(`one takeover of device '${this.device.id}'`, this.lab.record.select({ kind: 'decision' }), this.lab.recordPath);
    const closed = this.lab.record.select({ kind: 'connection', action: 'close', conn: t[0]!.previousConn as string });
    if (closed.length !== 1) throw failure(`the older connection ${t[0]!.previousConn} closed`, t, this.lab.recordPath);
  }, 3000);
});
