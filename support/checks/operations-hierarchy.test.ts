// The operation, hierarchy and session checks, message by message: what each failure says the rule
// requires, what the device did, which events it quotes, and whether it is final.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childOf, linesOn } from './hierarchy.ts';
import { answeredInOrder, operationEnds, receivedAs, resultIs, stillPending, type OperationRef } from './operations.ts';
import { cleanAsConfigured, cleanSession1 } from './sessions.ts';
import { RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const OP: OperationRef = { id: '1', fragment: 'c8y_Restart', deviceId: 'SN1' };
const LIFECYCLE = '[operations.lifecycle, violation]';

/** a failing verdict as its reader sees it: the requirement, what the device did, the evidence's seqs */
function failed(v: Verdict) {
  if (v.ok) return assert.fail(`expected ${v.rule} to break, it passed`);
  const [head, did, shows] = v.message.split('\n');
  assert.equal(shows, 'The record shows:', v.message);
  return { rule: v.rule, head, did, seqs: v.evidence.map((e) => e.seq), final: v.final };
}

/** a passing verdict's rule and evidence seqs */
function passed(v: Verdict) {
  if (!v.ok) return assert.fail(v.message);
  return { rule: v.rule, seqs: v.evidence.map((e) => e.seq) };
}

/** the line of the message that quotes the event with this seq */
const quoted = (v: Verdict, seq: number) => (v.ok ? '' : v.message.split('\n').find((l) => l.startsWith(`  #${seq} `)));

/** a device connected, and the operation created and sent to it on s/ds */
function withOperation(op = OP) {
  const r = new RecordBuilder();
  const c = r.connect();
  const created = r.platform('operation-created', { deviceId: op.deviceId, operationId: op.id, fragment: op.fragment });
  r.publish(c, 's/ds', `510,${op.deviceId}`, { dir: 'out' });
  return { r, c, created };
}

const refused = (r: RecordBuilder, line: string, rule: string, reason: string) =>
  r.decision('smartrest-error', { code: 41, line, rule, severity: 'warning', reason });

// ---- operationEnds --------------------------------------------------------------------------------------

test('operations.lifecycle: an operation not yet answered is PENDING, judged by its own creation and statuses', () => {
  const r = new RecordBuilder();
  r.connect();
  r.platform('operation-created', { operationId: '1', fragment: 'c8y_Restart' });
  r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL' });
  const created = r.platform('operation-created', { operationId: '2', fragment: 'c8y_Restart' });
  const v = operationEnds(r.ctx(), { ...OP, id: '2' }, 'SUCCESSFUL');
  assert.deepEqual(failed(v), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} operation 2 (c8y_Restart for SN1) to end SUCCESSFUL.`,
    did: 'It is PENDING.',
    seqs: [created.seq],
    final: false,
  });
  assert.match(quoted(v, created.seq)!, /platform: operation-created SN1 operationId="2" fragment="c8y_Restart"$/);
});

test('operations.lifecycle: an operation the record never saw created is PENDING with nothing to quote', () => {
  const r = new RecordBuilder();
  r.connect();
  assert.deepEqual(failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL')), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} operation 1 (c8y_Restart for SN1) to end SUCCESSFUL.`,
    did: 'It is PENDING.',
    seqs: [],
    final: false,
  });
});

test('operations.lifecycle: EXECUTING is not an end; it fails for now with the latest status', () => {
  const { r, created } = withOperation();
  const executing = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  assert.deepEqual(failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL')), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} operation 1 (c8y_Restart for SN1) to end SUCCESSFUL.`,
    did: 'It is EXECUTING.',
    seqs: [created.seq, executing.seq],
    final: false,
  });
  assert.deepEqual(passed(operationEnds(r.ctx(), OP, 'EXECUTING')), {
    rule: 'operations.lifecycle',
    seqs: [executing.seq],
  });
});

test('operations.lifecycle: ended FAILED when SUCCESSFUL was wanted fails finally, with the reason', () => {
  const { r } = withOperation();
  const executing = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const failedAt = r.platform('operation-status', { operationId: '1', to: 'FAILED', reason: 'Disk full' });
  assert.deepEqual(failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL')), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} operation 1 (c8y_Restart for SN1) to end SUCCESSFUL.`,
    did: 'It ended FAILED: Disk full.',
    seqs: [executing.seq, failedAt.seq],
    final: true,
  });
});

test('operations.lifecycle: ended SUCCESSFUL when FAILED was wanted fails finally, with no reason to give', () => {
  const { r } = withOperation();
  const done = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL' });
  const v = failed(operationEnds(r.ctx(), OP, 'FAILED'));
  assert.equal(v.did, 'It ended SUCCESSFUL.');
  assert.equal(v.head, `${LIFECYCLE} operation 1 (c8y_Restart for SN1) to end FAILED.`);
  assert.deepEqual([v.seqs, v.final], [[done.seq], true]);
});

test("hierarchy.child-operations: a child's operation answered with 503 of another fragment fails finally", () => {
  const child = { ...OP, deviceId: 'SN1-c' };
  const { r, c } = withOperation(child);
  r.publish(c, 's/us/SN1-c', '503,c8y_Command');
  const d = refused(r, '503,c8y_Command', 'operations.no-matching', 'no operation c8y_Command');
  const v = operationEnds(r.ctx(), child, 'SUCCESSFUL');
  assert.deepEqual(failed(v), {
    rule: 'hierarchy.child-operations',
    head: '[hierarchy.child-operations, violation] operation 1 (c8y_Restart for SN1-c) to end SUCCESSFUL.',
    did: 'The device answered c8y_Command (503,c8y_Command) while operation 1 is c8y_Restart.',
    seqs: [d.seq],
    final: true,
  });
  assert.match(quoted(v, d.seq)!, /broker decided smartrest-error \[warning: operations.no-matching\]: no operation/);
});

test('operations.lifecycle: our fragment refused for another reason (wrong topic) fails finally, quoting it', () => {
  const { r } = withOperation();
  const d = refused(r, '501,c8y_Restart', 'operations.status-topic', 'not on the child topic');
  assert.deepEqual(failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL')), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} operation 1 (c8y_Restart for SN1) to end SUCCESSFUL.`,
    did: "The platform refused the device's 501,c8y_Restart: not on the child topic",
    seqs: [d.seq],
    final: true,
  });
});

test('operations.lifecycle: a refused 504 by operation id names no fragment, so the operation may still end', () => {
  const { r, created } = withOperation();
  refused(r, '504,17', 'operations.no-matching', 'no operation 17');
  const v = failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It is PENDING.', [created.seq], false]);
});

test('operations.lifecycle: a 506 refused as answered twice is about operation 17, not ours; it stays open', () => {
  const { r, created } = withOperation();
  refused(r, '506,17,ok', 'operations.answered-twice', 'operation 17 already ended');
  const v = failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It is PENDING.', [created.seq], false]);
});

test('operations.lifecycle: a status refused before the operation was created belongs to an earlier one', () => {
  const r = new RecordBuilder();
  r.connect();
  refused(r, '501,c8y_Command', 'operations.no-matching', 'no operation c8y_Command');
  const created = r.platform('operation-created', { operationId: '1', fragment: 'c8y_Restart' });
  const v = failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It is PENDING.', [created.seq], false]);
});

test('operations.lifecycle: a refused data line that merely contains "502," is no status of the operation', () => {
  const { r, created } = withOperation();
  refused(r, '200,c8y_Pressure,P,502,hPa', 'platform.not-processed', 'no such series');
  const v = failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It is PENDING.', [created.seq], false]);
});

test("operations.lifecycle: another operation's downstream line (custom template 502) is no answer", () => {
  const { r, created } = withOperation();
  r.platform('operation-created', { operationId: '2', fragment: 'c8y_Custom', templateId: 'T', line: '502,SN1,on' });
  const v = failed(operationEnds(r.ctx(), OP, 'SUCCESSFUL'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It is PENDING.', [created.seq], false]);
});

// ---- stillPending, resultIs ----------------------------------------------------------------------------

test('platform.behaviour: an operation that left PENDING breaks stillPending finally, naming the new status', () => {
  const { r } = withOperation();
  const executing = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  r.platform('operation-status', { operationId: '2', to: 'FAILED' });
  assert.deepEqual(failed(stillPending(r.ctx(), OP)), {
    rule: 'platform.behaviour',
    head: '[platform.behaviour, info] operation 1 to stay PENDING.',
    did: 'It became EXECUTING.',
    seqs: [executing.seq],
    final: true,
  });
});

test('platform.data: the result is read from the SUCCESSFUL status, not from EXECUTING before it', () => {
  const { r } = withOperation({ ...OP, fragment: 'c8y_Command' });
  r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const done = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL', result: ['ok'] });
  assert.deepEqual(passed(resultIs(r.ctx(), OP, 'ok')), { rule: 'platform.data', seqs: [done.seq] });
});

test('platform.data: a result with a further field is not the result; it fails finally, showing all fields', () => {
  const { r } = withOperation({ ...OP, fragment: 'c8y_Command' });
  const executing = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const done = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL', result: ['ok', 'extra'] });
  assert.deepEqual(failed(resultIs(r.ctx(), OP, 'ok')), {
    rule: 'platform.data',
    head: '[platform.data, violation] operation 1 to have the result "ok".',
    did: 'It has the result ["ok","extra"].',
    seqs: [executing.seq, done.seq],
    final: true,
  });
});

test('platform.data: SUCCESSFUL without any result shows an empty result', () => {
  const { r } = withOperation({ ...OP, fragment: 'c8y_Command' });
  r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL' });
  const v = failed(resultIs(r.ctx(), OP, 'ok'));
  assert.deepEqual([v.did, v.final], ['It has the result [].', true]);
});

test('platform.data: no result yet while the operation has not ended SUCCESSFUL; not final', () => {
  const { r } = withOperation({ ...OP, fragment: 'c8y_Command' });
  const executing = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const v = failed(resultIs(r.ctx(), OP, 'ok'));
  assert.deepEqual([v.did, v.seqs, v.final], ['It did not end SUCCESSFUL.', [executing.seq], false]);
});

// ---- answeredInOrder ----------------------------------------------------------------------------------

const ORDER_503 = `${LIFECYCLE} 501,c8y_Restart then 503,c8y_Restart on s/us, in order, once each.`;

test('operations.lifecycle: 501 without 503 yet fails for now; lines from before the operation do not count', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '501,c8y_Restart');
  r.publish(c, 's/us', '503,c8y_Restart');
  r.platform('operation-created', { operationId: '1', fragment: 'c8y_Restart' });
  const executing = r.publish(c, 's/us', '501,c8y_Restart');
  const v = answeredInOrder(r.ctx(), OP, 's/us', 503);
  assert.deepEqual(failed(v), {
    rule: 'operations.lifecycle',
    head: ORDER_503,
    did: 'Step 2 (503) never came.',
    seqs: [executing.seq],
    final: false,
  });
  assert.match(quoted(v, executing.seq)!, /device → broker PUBLISH on s\/us QoS 1 "501,c8y_Restart"/);
});

test('operations.lifecycle: 502 without 501 before it fails at step 1', () => {
  const { r, c } = withOperation();
  const terminal = r.publish(c, 's/us', '502,c8y_Restart,"no power"');
  assert.deepEqual(failed(answeredInOrder(r.ctx(), OP, 's/us', 502)), {
    rule: 'operations.lifecycle',
    head: `${LIFECYCLE} 501,c8y_Restart then 502,c8y_Restart on s/us, in order, once each.`,
    did: 'Step 1 (501) never came.',
    seqs: [terminal.seq],
    final: false,
  });
  const v = failed(answeredInOrder(r.ctx(), OP, 's/us', 503));
  assert.equal(v.did, 'Step 1 (501) never came.');
});

test('operations.lifecycle: the order broken by an answer for another fragment says so, finally', () => {
  const { r, c } = withOperation();
  const pub = r.publish(c, 's/us', '501,c8y_Command');
  const d = refused(r, '501,c8y_Command', 'operations.no-matching', 'no operation c8y_Command');
  assert.deepEqual(failed(answeredInOrder(r.ctx(), OP, 's/us', 503)), {
    rule: 'operations.lifecycle',
    head: ORDER_503,
    did: 'The device answered c8y_Command (501,c8y_Command) while operation 1 is c8y_Restart.',
    seqs: [pub.seq, d.seq],
    final: true,
  });
});

test('operations.lifecycle: a status line among others in one PUBLISH counts, and 503 may carry a result', () => {
  const { r, c } = withOperation();
  const first = r.publish(c, 's/us', '501,c8y_Restart\n211,20');
  const last = r.publish(c, 's/us', '503,c8y_Restart,done');
  assert.deepEqual(passed(answeredInOrder(r.ctx(), OP, 's/us', 503)), {
    rule: 'operations.lifecycle',
    seqs: [first.seq, last.seq],
  });
});

test('operations.lifecycle: without a recorded creation every line of the device counts', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const first = r.publish(c, 's/us', '501,c8y_Restart');
  const last = r.publish(c, 's/us', '503,c8y_Restart');
  assert.deepEqual(passed(answeredInOrder(r.ctx(), OP, 's/us', 503)), {
    rule: 'operations.lifecycle',
    seqs: [first.seq, last.seq],
  });
});

test('operations.lifecycle: 501 sent twice fails finally, counting the 501s', () => {
  const { r, c } = withOperation();
  const seqs = ['501,c8y_Restart', '501,c8y_Restart', '503,c8y_Restart'].map((l) => r.publish(c, 's/us', l).seq);
  assert.deepEqual(failed(answeredInOrder(r.ctx(), OP, 's/us', 503)), {
    rule: 'operations.lifecycle',
    head: ORDER_503,
    did: '501 came 2 times.',
    seqs,
    final: true,
  });
});

// ---- receivedAs -----------------------------------------------------------------------------------------

test('platform.behaviour: the operation line on s/ds is found; lines on other topics are not counted', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const ds = r.publish(c, 's/ds', '510,SN1', { dir: 'out' });
  r.publish(c, 's/e', '41,511,no', { dir: 'out' });
  assert.deepEqual(passed(receivedAs(r.ctx(), '510,SN1')), { rule: 'platform.behaviour', seqs: [ds.seq] });
  assert.deepEqual(failed(receivedAs(r.ctx(), '511,SN1,ls')), {
    rule: 'platform.behaviour',
    head: `[platform.behaviour, info] the line "511,SN1,ls" on the device's s/ds.`,
    did: 'The device got 1 line(s) on s/ds.',
    seqs: [ds.seq],
    final: false,
  });
});

// ---- hierarchy ------------------------------------------------------------------------------------------

const CHILD_DATA = "[hierarchy.child-data-topic, violation] the device's lines matching /^211,/ on s/us/SN1-c.";

test('hierarchy.child-data-topic: no matching line fails for now, quoting all the PUBLISHes', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const other = r.publish(c, 's/us', '200,c8y_P,P,1');
  assert.deepEqual(failed(linesOn(r.ctx(), /^211,/, 's/us/SN1-c')), {
    rule: 'hierarchy.child-data-topic',
    head: CHILD_DATA,
    did: 'The device sent no line matching /^211,/.',
    seqs: [other.seq],
    final: false,
  });
});

test("hierarchy.child-data-topic: other lines on the root's topic, or beside ours in one PUBLISH, don't matter", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '200,c8y_P,P,1');
  const mixed = r.publish(c, 's/us/SN1-c', '200,c8y_P,P,1\n211,19.5');
  assert.deepEqual(passed(linesOn(r.ctx(), /^211,/, 's/us/SN1-c')), {
    rule: 'hierarchy.child-data-topic',
    seqs: [mixed.seq],
  });
});

test('hierarchy.child-data-topic: lines on wrong topics fail finally, naming each topic once', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const seqs = [
    r.publish(c, 's/us/SN1-c', '211,19.5'),
    r.publish(c, 's/us', '211,19.6'),
    r.publish(c, 's/us/SN1-d', '211,19.7'),
    r.publish(c, 's/us', '211,19.8'),
  ].map((e) => e.seq);
  assert.deepEqual(failed(linesOn(r.ctx(), /^211,/, 's/us/SN1-c')), {
    rule: 'hierarchy.child-data-topic',
    head: CHILD_DATA,
    did: 'It sent them on s/us, s/us/SN1-d.',
    seqs,
    final: true,
  });
});

test('platform.data: a child missing on the platform (another child is there) fails, quoting what was created', () => {
  const r = new RecordBuilder();
  r.connect();
  const device = r.platform('device-created', {});
  const sibling = r.platform('child-created', { deviceId: 'SN1-d', parent: 'SN1' });
  assert.deepEqual(failed(childOf(r.ctx(), 'SN1-c', 'SN1')), {
    rule: 'platform.data',
    head: "[platform.data, violation] 'SN1-c' below 'SN1' on the platform.",
    did: "The platform has no child 'SN1-c'.",
    seqs: [sibling.seq, device.seq],
    final: false,
  });
});

test('platform.data: a child created below another parent fails, naming that parent', () => {
  const r = new RecordBuilder();
  r.connect();
  const made = r.platform('child-created', { deviceId: 'SN1-c', parent: 'SN1-x' });
  const v = failed(childOf(r.ctx(), 'SN1-c', 'SN1'));
  assert.deepEqual([v.did, v.seqs], ["'SN1-c' was created below 'SN1-x'.", [made.seq]]);
});

// ---- sessions -------------------------------------------------------------------------------------------

test('sessions.clean-session-0: counts and quotes only the CONNECTs with clean session 0', () => {
  const r = new RecordBuilder();
  const seqOf = (conn: string) => r.events.find((e) => e.conn === conn && e.type === 'connect')!.seq;
  const a = seqOf(r.connect('SN1', { clean: false }));
  r.connect('SN1', { clean: true });
  const b = seqOf(r.connect('SN1', { clean: false }));
  const v = cleanSession1(r.ctx());
  assert.deepEqual(failed(v), {
    rule: 'sessions.clean-session-0',
    head:
      '[sessions.clean-session-0, warning] Clean session 0 is accepted, but the platform documents clean session 1.',
    did: '2 CONNECT(s) of the device have clean session 0.',
    seqs: [a, b],
    final: false,
  });
  assert.match(quoted(v, a)!, /device → broker CONNECT ClientId "SN1" clean 0$/);
});

test('sessions.clean-as-configured: says which flag was configured and how many CONNECTs differ, either way', () => {
  const r = new RecordBuilder();
  const seqOf = (conn: string) => r.events.find((e) => e.conn === conn && e.type === 'connect')!.seq;
  const persistent = seqOf(r.connect('SN1', { clean: false }));
  const clean = [seqOf(r.connect('SN1', { clean: true })), seqOf(r.connect('SN1', { clean: true }))];
  assert.deepEqual(failed(cleanAsConfigured(r.ctx({ expect: { clean: true } }))), {
    rule: 'sessions.clean-as-configured',
    head: '[sessions.clean-as-configured, violation] every CONNECT of the device with clean session 1, as configured.',
    did: 'The device was configured with clean session 1; 1 of its CONNECTs have clean session 0.',
    seqs: [persistent],
    final: false,
  });
  assert.deepEqual(failed(cleanAsConfigured(r.ctx(), false)), {
    rule: 'sessions.clean-as-configured',
    head: '[sessions.clean-as-configured, violation] every CONNECT of the device with clean session 0, as configured.',
    did: 'The device was configured with clean session 0; 2 of its CONNECTs have clean session 1.',
    seqs: clean,
    final: false,
  });
});
