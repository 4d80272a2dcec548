// Operations: created on the platform, answered by the device.
import { Then, When } from '@cucumber/cucumber';
import type { OperationRequest } from '../support/broker/platform/operations.ts';
import {
  answeredInOrder,
  commandResultAsPromised,
  operationEnds,
  receivedAs,
  resultIs,
  stillPending,
  unsupportedNotExecuted,
} from '../support/checks/operations.ts';
import { judge } from '../support/steps-context.ts';
import type { HilWorld } from '../support/world.ts';

async function create(w: HilWorld, target: string, how: Omit<OperationRequest, 'device'>) {
  const params = how.params?.map((p) => (typeof p === 'string' ? w.expand(p) : p));
  w.operation = await w.lab.createOperation({ device: w.expand(target), ...how, ...(params ? { params } : {}) });
}

When('an operation {word} is created for {string}', async function (this: HilWorld, fragment: string, target: string) {
  await create(this, target, { fragment });
});

When(
  'an operation {word} is created for {string} with the parameter {json}',
  async function (this: HilWorld, fragment: string, target: string, param: string) {
    await create(this, target, { fragment, params: [param] });
  },
);

When(
  'an operation {word} is created for {string} with the parameters {json}, {json} and {json}',
  async function (this: HilWorld, fragment: string, target: string, a: string, b: string, c: string) {
    await create(this, target, { fragment, params: [a, b, c] });
  },
);

When(
  'the operation template {template} is created for {string} with the parameters {params}',
  async function (this: HilWorld, template: number, target: string, params: string[]) {
    await create(this, target, { template, params });
  },
);

When(
  'an operation is created for {string} as the JSON {object}',
  async function (this: HilWorld, target: string, operation: Record<string, unknown>) {
    await create(this, target, { operation });
  },
);

When(
  'an operation the device does not support is created for {string}',
  async function (this: HilWorld, target: string) {
    await create(this, target, {
      fragment: this.lab.unsupportedOperation(this.device.profile.capabilities.operations),
    });
  },
);

// a real device may take longer than the stated time (a restart reboots): the profile may give it more
Then('the operation ends {word} within {duration}', function (this: HilWorld, end: string, ms: number) {
  return judge(this, (c) => operationEnds(c, this.operation!, end), { within: this.operationTime(ms) });
});

Then('the device does not carry it out', function (this: HilWorld) {
  return judge(this, (c) => unsupportedNotExecuted(c, this.operation!), this.unsupportedWait());
});

Then("the operation's result is what the device promises for {json}", function (this: HilWorld, command: string) {
  return judge(this, (c) => commandResultAsPromised(c, this.operation!, command));
});

Then('the operation is still PENDING after {duration}', function (this: HilWorld, ms: number) {
  return judge(this, (c) => stillPending(c, this.operation!), { throughout: ms });
});

Then(
  'the device answered it with 501 then 503 on {string}, in order, exactly once',
  function (this: HilWorld, topic: string) {
    return judge(this, (c) => answeredInOrder(c, this.operation!, this.expand(topic), 503));
  },
);

Then(
  'the device answered it with 501 then 502 on {string}, in order, exactly once',
  function (this: HilWorld, topic: string) {
    return judge(this, (c) => answeredInOrder(c, this.operation!, this.expand(topic), 502));
  },
);

Then('the device received the operation as {json}', function (this: HilWorld, line: string) {
  return judge(this, (c) => receivedAs(c, this.expand(line)), { within: 3000 });
});

Then("the operation's result is {json}", function (this: HilWorld, result: string) {
  return judge(this, (c) => resultIs(c, this.operation!, result));
});
