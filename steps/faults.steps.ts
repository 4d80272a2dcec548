// Platform faults as steps: what the broker does to the device's link, each a decision in the
// record, each usable with any device (none needs the device's console).
import { Given, Then, When } from '@cucumber/cucumber';
import { deliveredInOnePublish, operationsEnd } from '../support/checks/operations.ts';
import { judge, measure } from '../support/steps-context.ts';
import { answerLimit, answersWithin, publishRate, requestToPublish } from '../support/checks/measure.ts';
import { noticedSilence, rateSlowedDown, reconnectsBackOff, refusedNotRepeated } from '../support/checks/resilience.ts';
import { redisMissing } from '../support/broker/redis-server.ts';
import { sessionResumedSince } from '../support/checks/sessions.ts';
import { completedAfterLostPubcomp, resentWithDup } from '../support/checks/qos.ts';
import type { HilWorld } from '../support/world.ts';
import { sessionsKept } from '../support/lab.ts';

When("the broker black-holes the device's link", function (this: HilWorld) {
  this.lab.blackhole(this.device);
});

When(
  "the broker drops the device's link and refuses its next {int} reconnects",
  async function (this: HilWorld, attempts: number) {
    this.linkLostAt = await this.lab.dropLinkRefusing(this.device, attempts);
  },
);

When(
  "the broker loses the device's next {int} {word} packet(s)",
  function (this: HilWorld, count: number, type: string) {
    this.lab.faultPackets(this.device, { type, dir: 'in', action: 'lose', count });
  },
);

When(
  'the broker loses its next {int} {word} packet(s) to the device',
  function (this: HilWorld, count: number, type: string) {
    this.lab.faultPackets(this.device, { type, dir: 'out', action: 'lose', count });
  },
);

When(
  "the broker delays the device's next {int} {word} packet(s) by {duration}",
  function (this: HilWorld, count: number, type: string, delayMs: number) {
    this.lab.faultPackets(this.device, { type, dir: 'in', action: 'delay', count, delayMs });
  },
);

When(
  'the broker delays its next {int} {word} packet(s) to the device by {duration}',
  function (this: HilWorld, count: number, type: string, delayMs: number) {
    this.lab.faultPackets(this.device, { type, dir: 'out', action: 'delay', count, delayMs });
  },
);

// the faults armed above strike when the device sends (or is sent) the packets: this waits for
// them, and for the device to have answered what it was sent (a link dropped before that makes the
// broker send it again, and a device may act on a QoS 1 resend as new)
When('the broker has lost them', async function (this: HilWorld) {
  await this.lab.packetFaultsStruck(this.device, this.device.profile.timeouts.readyMs);
  await this.lab.acknowledged(this.device, this.device.profile.timeouts.readyMs);
});

Then(
  'the device sends the unacknowledged PUBLISH again with DUP within {duration}',
  function (this: HilWorld, ms: number) {
    return judge(this, resentWithDup, { within: ms });
  },
);

Then('the QoS 2 flow of the lost PUBCOMP completes within {duration}', function (this: HilWorld, ms: number) {
  return judge(this, completedAfterLostPubcomp, { within: ms });
});

When('the broker sends the device CONNACK {int} on its open connection', async function (this: HilWorld, code: number) {
  this.linkLostAt = await this.lab.connackMidSession(this.device, code);
});

Given('the broker pushes pending operations in one PUBLISH', function (this: HilWorld) {
  this.lab.pushPendingInOnePublish();
});

When(
  '{int} operations {word} are created for {string}',
  async function (this: HilWorld, n: number, fragment: string, target: string) {
    // a command is the one the profile says the device accepts (a restart would really reboot a board)
    const params = fragment === 'c8y_Command' ? [this.expand('{command}')] : undefined;
    const device = this.expand(target);
    for (let i = 0; i < n; i++)
      this.operations.push(await this.lab.createOperation({ device, fragment, ...(params ? { params } : {}) }));
  },
);

Then('all the operations end {word} within {duration}', function (this: HilWorld, end: string, ms: number) {
  return judge(this, (c) => operationsEnd(c, this.operations, end), { within: this.operationTime(ms) });
});

Then('the broker pushed them to the device in one PUBLISH', function (this: HilWorld) {
  return judge(this, (c) => deliveredInOnePublish(c, this.operations), { within: 5000 });
});

// a limit on a share of the operations: "95%" of them; the wait is the limit twice over, or the profile's time
Then(
  'the device answered {int} within {duration} for {int}% of the operations',
  function (this: HilWorld, code: number, ms: number, share: number) {
    const { answer, limit } = answerLimit(code, ms, share);
    return measure(this, (c) => answersWithin(c, this.operations, answer, limit), this.operationTime(ms * 2));
  },
);

Given('the device uses a keepalive of {int} seconds', function (this: HilWorld, seconds: number) {
  this.settings.keepalive = seconds;
});

// the device came back by itself after the refusals, its attempts spaced at least the floor apart
Then(
  'the device connects again within {duration}, its attempts at least {duration} apart',
  function (this: HilWorld, ms: number, floorMs: number) {
    const wait = Math.max(ms, this.device.profile.timeouts.readyMs);
    return measure(this, (c) => reconnectsBackOff(c, this.linkLostAt, floorMs), wait);
  },
);

Then(
  'the device connects again within {duration}, its attempts at least {duration} apart and at most {int} a minute',
  function (this: HilWorld, ms: number, floorMs: number, perMinute: number) {
    const wait = Math.max(ms, this.device.profile.timeouts.readyMs);
    return measure(this, (c) => reconnectsBackOff(c, this.linkLostAt, floorMs, perMinute), wait);
  },
);

// two units with one identifier take it from each other: the device must not storm back
When(
  "a second client keeps taking over the device's identifier for {duration}",
  async function (this: HilWorld, ms: number) {
    this.linkLostAt = await this.lab.rivalFor(this.device, ms);
  },
);

// MQTT gives a client "a reasonable amount of time" for the PINGRESP: the scenario states the factor
Then(
  'the device notices the silent link within {float} × its keepalive and connects again',
  function (this: HilWorld, factor: number) {
    const wait = factor * (this.settings.keepalive ?? 60) * 1000 + this.device.profile.timeouts.readyMs + 1000;
    return measure(this, (c) => noticedSilence(c, factor), wait);
  },
);

Given('the broker keeps sessions in Redis', async function (this: HilWorld) {
  const missing = process.env.C8Y_HIL_REDIS ? undefined : redisMissing();
  if (missing) {
    this.attach(`skipped: ${missing}`, 'text/plain');
    return 'skipped';
  }
  await this.lab.keepSessionsInRedis();
  return undefined;
});

When(
  'the broker restarts and is down for {duration}, {word} sessions',
  async function (this: HilWorld, downMs: number, how: string) {
    this.linkLostAt = this.lab.record.events().at(-1)?.seq ?? 0;
    await this.lab.restartBroker({ downMs, keepSessions: sessionsKept(how) });
  },
);

Then("the broker resumed the device's session", function (this: HilWorld) {
  return judge(this, (c) => sessionResumedSince(c, this.linkLostAt), { within: this.device.profile.timeouts.readyMs });
});

Given(
  'the broker limits the device to {int} messages a second, holding {int} beyond it',
  function (this: HilWorld, perSecond: number, queue: number) {
    this.lab.rateLimit(this.device, perSecond, queue);
  },
);

Given("the platform refuses the device's measurements", function (this: HilWorld) {
  this.lab.refuseMeasurements(this.device);
});

// waits for a refusal first (the device sends when it sends), then watches for the whole time
Then(
  'the device sends no refused line again more than {int} time(s) in {duration}',
  function (this: HilWorld, max: number, ms: number) {
    const within = this.device.profile.timeouts.readyMs;
    return judge(this, (c) => refusedNotRepeated(c, max), { within, throughout: ms });
  },
);

// watched for the whole time: a device cut again and again fails at the cut that is one too many
Then(
  'the device is disconnected for its rate at most {int} time(s) in {duration}',
  function (this: HilWorld, max: number, ms: number) {
    return judge(this, (c) => rateSlowedDown(c, max), { throughout: ms });
  },
);

// measurements from the harness's requests: each value its own, so each PUBLISH is found by it
When('the device sends {int} temperatures one after another', async function (this: HilWorld, n: number) {
  this.burstSince = this.lab.record.events().at(-1)?.seq ?? 0;
  for (let i = 0; i < n; i++) await this.device.action('measure', { device: this.device.id, value: `${20 + i}.5` });
});

Then(
  'each was published within {duration} of the request for {int}% of them',
  function (this: HilWorld, ms: number, share: number) {
    const { limit } = answerLimit(501, ms, share);
    return measure(this, (c) => requestToPublish(c, this.burstSince, limit), ms * 2);
  },
);

Then('they were published at {float} messages a second or more', function (this: HilWorld, min: number) {
  return measure(this, (c) => publishRate(c, this.burstSince, min), this.device.profile.timeouts.readyMs);
});
