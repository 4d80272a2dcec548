// What the device put on the wire: QoS, sessions, registration, escaping, topics, last will.
import { Then, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { downstreamQos, neverRefused, noLastWill, noSubscribeSince, publishedOn, publishQos, registeredBeforeSubscribing, seedEscaping, subscribedWithQos } from '../support/checks/conformance.ts';
import { eventually, throughout } from '../support/checks/eventually.ts';
import { failure } from '../support/checks/excerpt.ts';
import { ctx } from '../support/steps-context.ts';
import { LAB_LOGIN } from '../support/lab.ts';
import type { HilWorld } from '../support/world.ts';

Then('every PUBLISH from the device has {qos}', function (this: HilWorld, qos: number) { publishQos(ctx(this), qos); });

Then('the device subscribed to {string} with {qos}', function (this: HilWorld, topic: string, qos: number) { subscribedWithQos(ctx(this), topic, qos); });

Then('the broker delivered the operation on {string} at {qos} with its full handshake', async function (this: HilWorld, topic: string, qos: number) {
  await eventually(() => downstreamQos(ctx(this), topic, qos), 3000);
});

Then('the device registered with 100 before it subscribed to s\\/ds', function (this: HilWorld) { registeredBeforeSubscribing(ctx(this)); });

Then('the broker never refused a subscription from the device', function (this: HilWorld) { neverRefused(ctx(this), 'subscription-refused'); });

Then('the device sent no SUBSCRIBE after getting its link back', function (this: HilWorld) { noSubscribeSince(ctx(this), this.reconnectedAt); });

Then('every SmartREST line the device sent follows the seed\'s escaping', function (this: HilWorld) { seedEscaping(ctx(this)); });

Then('the device sent lines matching {string} on {string}', async function (this: HilWorld, pattern: string, topic: string) {
  await eventually(() => publishedOn(ctx(this), new RegExp(this.expand(pattern)), this.expand(topic)), 3000);
});

Then('the device\'s CONNECT carries no last will', function (this: HilWorld) { noLastWill(ctx(this)); });

Then('the broker answers the device on s\\/e with code {int} within {duration}', async function (this: HilWorld, code: number, ms: number) {
  await eventually(() => {
    const sent = this.lab.record.select({ kind: 'packet', dir: 'out', type: 'publish', topic: 's/e' });
    if (!sent.some((e) => String((e.packet as { payload: string }).payload).startsWith(`${code},`))) throw failure(`a line with code ${code} on s/e to the device`, this.lab.record.select({ decision: 'smartrest-error' }), this.lab.recordPath);
  }, ms);
});

When('a helper client publishes {json} on {string} with the retain flag', async function (this: HilWorld, payload: string, topic: string) {
  const { client } = await this.lab.connect('mqtt', { clientId: `HELPER-${this.device.id}`, username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`, password: LAB_LOGIN.password });
  await client.publishAsync(topic, payload, { qos: 1, retain: true });
});

Then('the broker stores no retained message', async function (this: HilWorld) {
  const n = await this.lab.broker.retainedCount();
  if (n !== 0) throw failure(`no retained message, found ${n}`, this.lab.record.select({ decision: 'retain-ignored' }), this.lab.recordPath);
});

Then('no packet the broker sent has the retain flag', function (this: HilWorld) {
  const retained = this.lab.record.select({ kind: 'packet', dir: 'out', type: 'publish', where: (e) => (e.packet as { retain: boolean }).retain });
  if (retained.length > 0) throw failure('no PUBLISH from the broker with the retain flag', retained, this.lab.recordPath);
});

When('a helper client over {transport} subscribes to {string}', async function (this: HilWorld, transport: Transport, topic: string) {
  const { client, conn } = await this.lab.connect(transport, { clientId: `HELPER-SUB-${this.device.id}`, username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`, password: LAB_LOGIN.password });
  this.lastConnect = { conn };
  await client.subscribeAsync(topic, { qos: 1 }).catch(() => { /* SUBACK 0x80 is checked from the record */ });
});

Then('the broker refuses it with SUBACK 0x80 and the connection stays open', async function (this: HilWorld) {
  const conn = this.lastConnect!.conn!;
  await eventually(() => {
    const ack = this.lab.record.select({ kind: 'packet', type: 'suback', conn }).at(-1);
    if (!ack || !(ack.packet as { granted: number[] }).granted.every((g) => g === 128)) throw failure('SUBACK with 0x80', this.lab.record.select({ conn }), this.lab.recordPath);
  }, 2000);
  await throughout(() => {
    if (this.lab.record.select({ kind: 'connection', action: 'close', conn }).length > 0) throw failure(`connection ${conn} to stay open`, this.lab.record.select({ conn }), this.lab.recordPath);
  }, 300);
});
