// What the device put on the wire: QoS, registration, escaping, topics, last will; and the
// platform's own promises about it (retain, SUBACK 0x80, s/e).
import { Then, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { noLastWill } from '../support/checks/connect.ts';
import { linesOn } from '../support/checks/hierarchy.ts';
import { retainIgnored } from '../support/checks/platform-data.ts';
import { downstreamQos, publishQos, subscribedWithQos } from '../support/checks/qos.ts';
import { answeredOnSe, seedEscaping } from '../support/checks/smartrest.ts';
import { noSubscriptionRefused, refusedAndOpen, registeredBeforeSubscribing } from '../support/checks/topics.ts';
import { judge } from '../support/steps-context.ts';
import { LAB_LOGIN } from '../support/lab.ts';
import type { HilWorld } from '../support/world.ts';

const helperLogin = { username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`, password: LAB_LOGIN.password };

Then('every PUBLISH from the device has {qos}', function (this: HilWorld, qos: number) {
  return judge(this, (c) => publishQos(c, qos));
});

Then('the device subscribed to {string} with {qos}', function (this: HilWorld, topic: string, qos: number) {
  return judge(this, (c) => subscribedWithQos(c, topic, qos));
});

Then(
  'the broker delivered the operation on {string} at {qos} with its full handshake',
  function (this: HilWorld, topic: string, qos: number) {
    return judge(this, (c) => downstreamQos(c, topic, qos), { within: 3000 });
  },
);

Then('the device registered with 100 before it subscribed to s\\/ds', function (this: HilWorld) {
  return judge(this, registeredBeforeSubscribing);
});

Then('the broker never refused a subscription from the device', function (this: HilWorld) {
  return judge(this, noSubscriptionRefused);
});

Then("every SmartREST line the device sent follows the seed's escaping", function (this: HilWorld) {
  return judge(this, seedEscaping);
});

Then('the device sent lines matching {string} on {string}', function (this: HilWorld, pattern: string, topic: string) {
  return judge(this, (c) => linesOn(c, new RegExp(this.expand(pattern)), this.expand(topic)), { within: 3000 });
});

Then("the device's CONNECT carries no last will", function (this: HilWorld) {
  return judge(this, noLastWill);
});

Then(
  'the broker answers the device on s\\/e with code {int} within {duration}',
  function (this: HilWorld, code: number, ms: number) {
    return judge(this, (c) => answeredOnSe(c, code), { within: ms });
  },
);

When(
  'a helper client publishes {json} on {string} with the retain flag',
  async function (this: HilWorld, payload: string, topic: string) {
    const { client } = await this.lab.connect('mqtt', { clientId: `HELPER-${this.device.id}`, ...helperLogin });
    await client.publishAsync(topic, payload, { qos: 1, retain: true });
  },
);

Then('the broker ignored the retain flag: nothing stored, nothing sent with it', function (this: HilWorld) {
  return judge(this, retainIgnored, { within: 2000 });
});

When(
  'a helper client over {transport} subscribes to {string}',
  async function (this: HilWorld, transport: Transport, topic: string) {
    const { client, conn } = await this.lab.connect(transport, {
      clientId: `HELPER-SUB-${this.device.id}`,
      ...helperLogin,
    });
    this.lastConnect = { conn };
    await client.subscribeAsync(topic, { qos: 1 }).catch(() => {
      /* SUBACK 0x80 is judged from the record */
    });
  },
);

Then('the broker refuses it with SUBACK 0x80 and the connection stays open', function (this: HilWorld) {
  return judge(this, (c) => refusedAndOpen(c, this.lastConnect!.conn!), { within: 2000, throughout: 300 });
});
