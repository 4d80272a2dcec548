// Operations: created on the platform, answered by the device.
import { Then, When } from '@cucumber/cucumber';
import { answeredInOrder } from '../support/checks/conformance.ts';
import { devicePackets, payloadOf } from '../support/checks/device-traffic.ts';
import { eventually, throughout } from '../support/checks/eventually.ts';
import { failure } from '../support/checks/excerpt.ts';
import { parseLine } from '../support/smartrest/codec.ts';
import { ctx } from '../support/steps-context.ts';
import type { OperationRequest } from '../support/broker/platform/operations.ts';
import type { HilWorld } from '../support/world.ts';

async function create(w: HilWorld, target: string, how: Omit<OperationRequest, 'device'>) {
  w.operation = await w.lab.platform.createOperation({ device: w.expand(target), ...how });
  w.lab.record.add('step', { action: 'note', text: `operation ${w.operation.id} (${w.operation.fragment}) created for ${w.operation.deviceId}` });
}

When('an operation {word} is created for {string}', async function (this: HilWorld, fragment: string, target: string) {
  await create(this, target, { fragment });
});

When('an operation {word} is created for {string} with the parameter {json}', async function (this: HilWorld, fragment: string, target: string, param: string) {
  await create(this, target, { fragment, params: [param] });
});

When('an operation {word} is created for {string} with the parameters {json}, {json} and {json}', async function (this: HilWorld, fragment: string, target: string, a: string, b: string, c: string) {
  await create(this, target, { fragment, params: [a, b, c] });
});

When('the operation template {template} is created for {string} with the parameters {params}', async function (this: HilWorld, template: number, target: string, params: string[]) {
  await create(this, target, { template, params });
});

When('an operation is created for {string} as the JSON {object}', async function (this: HilWorld, target: string, operation: Record<string, unknown>) {
  await create(this, target, { operation });
});

Then('the operation ends {word} within {duration}', async function (this: HilWorld, status: string, ms: number) {
  const op = this.operation!;
  await eventually(() => {
    if (op.status !== status) throw failure(`operation ${op.id} (${op.fragment} for ${op.deviceId}) to end ${status}; it is ${op.status}`, this.lab.record.select({ kind: 'platform', where: (e) => e.operationId === op.id }).concat(this.lab.record.select({ decision: 'smartrest-error' })), this.lab.recordPath);
  }, ms);
});

Then('the operation is still PENDING after {duration}', async function (this: HilWorld, ms: number) {
  const op = this.operation!;
  await throughout(() => {
    if (op.status !== 'PENDING') throw failure(`operation ${op.id} to stay PENDING`, this.lab.record.select({ kind: 'platform', where: (e) => e.operationId === op.id }), this.lab.recordPath);
  }, ms);
});

Then('the device answered it with 501 then 503 on {string}, in order, exactly once', function (this: HilWorld, topic: string) {
  const op = this.operation!;
  const since = this.lab.record.select({ kind: 'platform', where: (e) => e.change === 'operation-created' && e.operationId === op.id })[0]!.seq;
  answeredInOrder(ctx(this), [{ topic: this.expand(topic), line: new RegExp(`^501,${op.fragment}$`) }, { topic: this.expand(topic), line: new RegExp(`^503,${op.fragment}(,|$)`) }], since);
});

Then('the device answered it with 501 then 502 on {string}, in order, exactly once', function (this: HilWorld, topic: string) {
  const op = this.operation!;
  const since = this.lab.record.select({ kind: 'platform', where: (e) => e.change === 'operation-created' && e.operationId === op.id })[0]!.seq;
  answeredInOrder(ctx(this), [{ topic: this.expand(topic), line: new RegExp(`^501,${op.fragment}$`) }, { topic: this.expand(topic), line: new RegExp(`^502,${op.fragment}(,|$)`) }], since);
});

Then('the device received the operation as {json}', async function (this: HilWorld, line: string) {
  const want = parseLine(this.expand(line)).fields;
  await eventually(() => {
    const got = devicePackets(this.lab.record.events(), this.device.id, 'publish', 'out').filter((e) => (e.packet as { topic: string }).topic === 's/ds');
    if (!got.some((e) => JSON.stringify(parseLine(payloadOf(e)).fields) === JSON.stringify(want))) throw failure(`the line ${JSON.stringify(line)} on the device's s/ds`, got, this.lab.recordPath);
  }, 3000);
});

Then('the operation\'s result is {json}', function (this: HilWorld, result: string) {
  const op = this.operation!;
  if (JSON.stringify(op.result) !== JSON.stringify([result])) throw failure(`operation ${op.id} to have the result ${JSON.stringify(result)}, it has ${JSON.stringify(op.result)}`, this.lab.record.select({ kind: 'platform', where: (e) => e.operationId === op.id }), this.lab.recordPath);
});
