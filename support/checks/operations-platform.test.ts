// The operation, hierarchy and platform-data checks over hand-made records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childOf, linesOn, PASSIVE as HIERARCHY } from './hierarchy.ts';
import {
  answeredInOrder,
  operationEnds,
  PASSIVE as OPERATIONS,
  receivedAs,
  resultIs,
  stillPending,
  type OperationRef,
} from './operations.ts';
import {
  configurationIs,
  eventWithText,
  knowsDevice,
  measured,
  PASSIVE as PLATFORM,
  retainIgnored,
} from './platform-data.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const broke = (v: Verdict, rule: string, seqs: number[] = []) => assert.equal(brokeRule(v, rule, seqs), undefined);
const kept = (v: Verdict, rule: string) => assert.deepEqual([v.ok, v.rule], [true, rule]);
const final = (v: Verdict) => !v.ok && v.final;
const OP: OperationRef = { id: '1', fragment: 'c8y_Restart', deviceId: 'SN1' };

function withOperation(op = OP) {
  const r = new RecordBuilder();
  const c = r.connect();
  r.platform('operation-created', { deviceId: op.deviceId, operationId: op.id, fragment: op.fragment });
  r.publish(c, 's/ds', `510,${op.deviceId}`, { dir: 'out' });
  return { r, c };
}

test('an operation ends in the wanted status; it fails finally once it ended otherwise or the device answered another fragment', () => {
  const { r, c } = withOperation();
  const pending = operationEnds(r.ctx(), OP, 'SUCCESSFUL');
  broke(pending, 'operations.lifecycle');
  assert.equal(final(pending), false);
  assert.match((pending as { message: string }).message, /It is PENDING/);
  r.publish(c, 's/us', '501,c8y_Restart');
  r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const done = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL' });
  kept(operationEnds(r.ctx(), OP, 'SUCCESSFUL'), 'operations.lifecycle');
  const failed = operationEnds(r.ctx(), OP, 'FAILED');
  broke(failed, 'operations.lifecycle', [done.seq]);
  assert.equal(final(failed), true);

  const wrong = withOperation();
  wrong.r.publish(wrong.c, 's/us', '501,c8y_Command');
  const refused = wrong.r.decision('smartrest-error', {
    code: 41,
    line: '501,c8y_Command',
    rule: 'operations.no-matching',
    severity: 'warning',
    reason: 'no op',
  });
  const v = operationEnds(wrong.r.ctx(), OP, 'SUCCESSFUL');
  broke(v, 'operations.lifecycle', [refused.seq]);
  assert.equal(final(v), true);
  assert.match(
    (v as { message: string }).message,
    /answered c8y_Command \(501,c8y_Command\) while operation 1 is c8y_Restart/,
  );

  const topic = withOperation({ ...OP, deviceId: 'SN1-c' });
  topic.r.decision('smartrest-error', {
    code: 41,
    line: '501,c8y_Restart',
    rule: 'operations.status-topic',
    severity: 'violation',
    reason: 'wrong topic',
  });
  const t = operationEnds(topic.r.ctx(), { ...OP, deviceId: 'SN1-c' }, 'SUCCESSFUL');
  broke(t, 'hierarchy.child-operations');
  assert.equal(final(t), true);
  const stray = withOperation();
  stray.r.decision('smartrest-error', {
    code: 41,
    line: '501,c8y_Restart',
    rule: 'operations.no-matching',
    severity: 'warning',
    reason: 'nothing',
  });
  assert.equal(
    final(operationEnds(stray.r.ctx(), OP, 'SUCCESSFUL')),
    false,
    'a stray status for our fragment may be answered later',
  );
});

test('still PENDING, the result, and the line the device received', () => {
  const { r, c } = withOperation({ ...OP, fragment: 'c8y_Command' });
  const op = { ...OP, fragment: 'c8y_Command' };
  kept(stillPending(r.ctx(), op), 'platform.behaviour');
  kept(receivedAs(r.ctx(), '510,SN1'), 'platform.behaviour');
  broke(receivedAs(r.ctx(), '511,SN1,ls'), 'platform.behaviour');
  broke(resultIs(r.ctx(), op, 'ok'), 'platform.data');
  r.publish(c, 's/us', '503,c8y_Command,ok');
  const s = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL', result: ['ok'] });
  broke(stillPending(r.ctx(), op), 'platform.behaviour', [s.seq]);
  kept(resultIs(r.ctx(), op, 'ok'), 'platform.data');
  const other = resultIs(r.ctx(), op, 'other');
  broke(other, 'platform.data', [s.seq]);
  assert.equal(final(other), true);
});

test('501 then 503 on the topic, in order, once each; a wrong fragment fails finally', () => {
  const { r, c } = withOperation();
  r.publish(c, 's/us', '501,c8y_Restart');
  broke(answeredInOrder(r.ctx(), OP, 's/us', 503), 'operations.lifecycle');
  r.publish(c, 's/us', '503,c8y_Restart');
  kept(answeredInOrder(r.ctx(), OP, 's/us', 503), 'operations.lifecycle');
  broke(answeredInOrder(r.ctx(), OP, 's/us', 502), 'operations.lifecycle');
  broke(answeredInOrder(r.ctx(), OP, 's/us/child', 503), 'operations.lifecycle');
  r.publish(c, 's/us', '503,c8y_Restart');
  const twice = answeredInOrder(r.ctx(), OP, 's/us', 503);
  broke(twice, 'operations.lifecycle');
  assert.match((twice as { message: string }).message, /503 came 2 times/);
  const reversed = withOperation();
  reversed.r.publish(reversed.c, 's/us', '503,c8y_Restart');
  reversed.r.publish(reversed.c, 's/us', '501,c8y_Restart');
  broke(answeredInOrder(reversed.r.ctx(), OP, 's/us', 503), 'operations.lifecycle');
  const child = withOperation({ ...OP, deviceId: 'SN1-c' });
  broke(answeredInOrder(child.r.ctx(), { ...OP, deviceId: 'SN1-c' }, 's/us/SN1-c', 503), 'hierarchy.child-operations');
});

test("children: data on the child's topic, and the child on the platform", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  broke(linesOn(r.ctx(), /^211,/, 's/us/SN1-c'), 'hierarchy.child-data-topic');
  r.publish(c, 's/us/SN1-c', '211,19.5');
  kept(linesOn(r.ctx(), /^211,/, 's/us/SN1-c'), 'hierarchy.child-data-topic');
  const root = r.publish(c, 's/us', '211,19.5');
  const v = linesOn(r.ctx(), /^211,/, 's/us/SN1-c');
  broke(v, 'hierarchy.child-data-topic', [root.seq]);
  assert.equal(final(v), true);
  broke(childOf(r.ctx(), 'SN1-c', 'SN1'), 'platform.data');
  r.platform('child-created', { deviceId: 'SN1-c', parent: 'SN1-x' });
  broke(childOf(r.ctx(), 'SN1-c', 'SN1'), 'platform.data');
  r.platform('child-created', { deviceId: 'SN1-c', parent: 'SN1' });
  kept(childOf(r.ctx(), 'SN1-c', 'SN1'), 'platform.data');
});

test('platform data: devices, measurements, events, configuration, and retain', () => {
  const r = new RecordBuilder();
  r.connect();
  broke(knowsDevice(r.ctx(), 'SN1'), 'platform.data');
  r.platform('device-created', {});
  kept(knowsDevice(r.ctx(), 'SN1'), 'platform.data');
  broke(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1 }), 'platform.data');
  r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 1, unit: 'C' }] });
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1, unit: 'C' }), 'platform.data');
  broke(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 2 }), 'platform.data');
  broke(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { unit: 'F' }), 'platform.data');
  broke(measured(r.ctx(), 'SN2', 'c8y_T', 'T', { value: 1 }), 'platform.data');
  r.platform('event', { event: { type: 'c8y_E', text: 'a' } });
  kept(eventWithText(r.ctx(), 'SN1', 'c8y_E', 'a'), 'platform.data');
  broke(eventWithText(r.ctx(), 'SN1', 'c8y_E', 'b'), 'platform.data');
  broke(eventWithText(r.ctx(), 'SN1', 'c8y_F', 'a'), 'platform.data');
  r.platform('fragment-set', { fragment: 'c8y_Configuration', value: { config: 'a=1' } });
  kept(configurationIs(r.ctx(), 'SN1', 'a=1'), 'platform.data');
  broke(configurationIs(r.ctx(), 'SN1', 'a=2'), 'platform.data');
  broke(retainIgnored(r.ctx()), 'platform.behaviour');
  r.decision('retain-ignored', {});
  kept(retainIgnored(r.ctx()), 'platform.behaviour');
  r.packet('c1', 'out', 'publish', { topic: 's/ds', payload: 'x', qos: 0, retain: true });
  broke(retainIgnored(r.ctx()), 'platform.behaviour');
});

test('the status, child and platform rules the platform decides', () => {
  for (const [rules, id] of [
    [OPERATIONS, 'operations.answered-twice'],
    [OPERATIONS, 'operations.status-topic'],
    [OPERATIONS, 'operations.no-matching'],
    [HIERARCHY, 'hierarchy.unknown-child'],
    [PLATFORM, 'platform.not-processed'],
    [PLATFORM, 'platform.device-exists'],
    [PLATFORM, 'platform.server-error'],
  ] as const) {
    const rule = rules.find((x) => x.id === id)!;
    const r = new RecordBuilder();
    r.connect();
    kept(rule.judge(r.ctx()), id);
    const d = r.decision('smartrest-error', { rule: id, severity: 'warning', answer: '41,501,x', reason: 'x' });
    broke(rule.judge(r.ctx()), id, [d.seq]);
  }
});
