// The checks that read the device's profile (what it promises where the seed leaves the answer
// open) and the record's readiness after connect: each kept, each broken in each way, and each
// not judged when the profile promises nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readyForScenario, reconnectedSince } from './connect.ts';
import { commandResultAsPromised, unsupportedNotExecuted, type OperationRef } from './operations.ts';
import { configurationReportedAs, temperatureOf } from './platform-data.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const OP: OperationRef = { id: '1', fragment: 'c8y_Command', deviceId: 'SN1' };
const broke = (v: Verdict, rule: string, seqs: number[] = []) => assert.equal(brokeRule(v, rule, seqs), undefined);
const message = (v: Verdict) => (v.ok ? '' : v.message);

function withOperation(fragment = OP.fragment): RecordBuilder {
  const r = new RecordBuilder();
  r.connect();
  r.platform('operation-created', { deviceId: 'SN1', operationId: '1', fragment });
  return r;
}

test('command result: the promised template with the command filled in; another result breaks it, finally', () => {
  const r = withOperation();
  const done = r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL', result: ['done: ls -l'] });
  const promised = { commandResult: 'done: {command}' };
  assert.deepEqual(
    commandResultAsPromised(r.ctx({ promised }), OP, 'ls -l').evidence.map((e) => e.seq),
    [done.seq],
  );
  const v = commandResultAsPromised(r.ctx({ promised: { commandResult: 'executed: {command}' } }), OP, 'ls -l');
  broke(v, 'platform.data', [done.seq]);
  assert.match(message(v), /operation 1 to have the result "executed: ls -l"\.\nIt has the result \["done: ls -l"\]\./);
  assert.equal(!v.ok && v.final, true);
});

test('command result: a profile that promises none accepts any result (not judged)', () => {
  const r = withOperation();
  r.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL', result: ['whatever'] });
  assert.deepEqual(commandResultAsPromised(r.ctx(), OP, 'ls'), {
    ok: true,
    rule: 'platform.data',
    evidence: [],
    applicable: false,
  });
});

test('unsupported operation: FAILED or PENDING pass by default; SUCCESSFUL breaks it finally', () => {
  const pending = withOperation('c8y_UploadConfigFile');
  const op = { ...OP, fragment: 'c8y_UploadConfigFile' };
  assert.equal(unsupportedNotExecuted(pending.ctx(), op).ok, true);
  pending.platform('operation-status', { operationId: '1', to: 'FAILED', reason: 'not supported' });
  assert.equal(unsupportedNotExecuted(pending.ctx(), op).ok, true);
  const done = withOperation('c8y_UploadConfigFile');
  const s = done.platform('operation-status', { operationId: '1', to: 'SUCCESSFUL' });
  const v = unsupportedNotExecuted(done.ctx(), op);
  broke(v, 'operations.lifecycle', [s.seq]);
  assert.match(
    message(v),
    /to end FAILED or stay PENDING, never SUCCESSFUL\.\nIt ended SUCCESSFUL, though the device cannot carry it out\./,
  );
  assert.equal(!v.ok && v.final, true);
});

test('unsupported operation: a promised failure must come (not final while PENDING); promised silence must hold', () => {
  const op = { ...OP, fragment: 'c8y_UploadConfigFile' };
  const r = withOperation('c8y_UploadConfigFile');
  const waiting = unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'fail' } }), op);
  broke(waiting, 'operations.lifecycle');
  assert.match(message(waiting), /to end FAILED, as its profile promises\.\nIt is PENDING\./);
  assert.equal(!waiting.ok && waiting.final, false);
  const s = r.platform('operation-status', { operationId: '1', to: 'EXECUTING' });
  const answered = unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'ignore' } }), op);
  broke(answered, 'operations.lifecycle', [s.seq]);
  assert.match(
    message(answered),
    /to stay PENDING, as its profile promises\.\nThe device answered it: it is EXECUTING\./,
  );
  r.platform('operation-status', { operationId: '1', to: 'FAILED' });
  assert.equal(unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'fail' } }), op).ok, true);
});

test('configuration: judged only when the profile promises to report it (113)', () => {
  const r = new RecordBuilder();
  r.platform('fragment-set', { fragment: 'c8y_Configuration', value: { config: 'b=2' } });
  assert.equal(configurationReportedAs(r.ctx(), 'SN1', 'a=1').ok, true);
  const v = configurationReportedAs(r.ctx({ promised: { configurationReported: true } }), 'SN1', 'a=1');
  broke(v, 'platform.data');
});

test('temperature: in the fragment and series the profile names, c8y_TemperatureMeasurement.T by default', () => {
  const r = new RecordBuilder();
  const m = r.platform('measurement', { measurements: [{ fragment: 'acme_Temp', series: 'celsius', value: 19.5 }] });
  broke(temperatureOf(r.ctx(), 'SN1', 19.5), 'platform.data');
  const v = temperatureOf(
    r.ctx({ promised: { temperature: { fragment: 'acme_Temp', series: 'celsius' } } }),
    'SN1',
    19.5,
  );
  assert.deepEqual([v.ok, v.evidence.map((e) => e.seq)], [true, [m.seq]]);
});

test('ready: accepted, known to the platform and granted s/ds on the latest connection', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  const created = r.platform('device-created', { by: '100' });
  const notYet = readyForScenario(r.ctx(), true);
  broke(notYet, 'operations.lifecycle', [created.seq]);
  assert.match(message(notYet), /It connected, but s\/ds was not granted on its latest connection\./);
  assert.equal(!notYet.ok && notYet.final, false);
  assert.equal(readyForScenario(r.ctx(), false).ok, true, 'a device that answers no operations needs no s/ds');
  const sub = r.subscribe(conn, [['s/ds', 1]], 7);
  r.packet(conn, 'out', 'suback', { messageId: 7, granted: [128] });
  broke(readyForScenario(r.ctx(), true), 'operations.lifecycle', [sub.seq]);
  r.subscribe(
    conn,
    [
      ['s/e', 0],
      ['s/ds', 1],
    ],
    8,
  );
  r.packet(conn, 'out', 'suback', { messageId: 8, granted: [0, 1] });
  assert.equal(readyForScenario(r.ctx(), true).ok, true);
});

test('ready: unknown to the platform is named; closed makes it final; a refused CONNACK is connect.accepted', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  r.subscribe(conn, [['s/ds', 1]], 1);
  r.packet(conn, 'out', 'suback', { messageId: 1, granted: [1] });
  r.disconnect(conn);
  const v = readyForScenario(r.ctx(), true);
  assert.match(
    message(v),
    /It connected, but the platform does not know it \(no 100 and no data yet\); the connection is closed\./,
  );
  assert.equal(!v.ok && v.final, true);
  const refused = new RecordBuilder();
  refused.connect('SN1', { returnCode: 4 });
  broke(readyForScenario(refused.ctx(), true), 'connect.accepted');
});

test('reconnected: a CONNACK 0 after the link came back; none yet, or a refusal, is named', () => {
  const r = new RecordBuilder();
  r.connect();
  const since = r.events.at(-1)!.seq;
  const none = reconnectedSince(r.ctx(), since);
  broke(none, 'connect.accepted');
  assert.match(message(none), /It has not connected again\./);
  r.connect('SN1', { returnCode: 3 });
  assert.match(message(reconnectedSince(r.ctx(), since)), /Its new connection got CONNACK 3\./);
  r.connect();
  assert.equal(reconnectedSince(r.ctx(), since).ok, true);
});

test('child data: what the device sent for the child since the step went on s/us/<child>, in any form', async () => {
  const { childDataOnItsTopic } = await import('./hierarchy.ts');
  const r = new RecordBuilder();
  const conn = r.connect();
  r.publish(conn, 's/us', '211,21.5');
  const since = r.events.at(-1)!.seq;
  broke(childDataOnItsTopic(r.ctx(), 'SN1-c1', since), 'hierarchy.child-data-topic');
  assert.match(
    message(childDataOnItsTopic(r.ctx(), 'SN1-c1', since)),
    /the data for the child SN1-c1 on s\/us\/SN1-c1\.\nIt sent nothing on s\/us since\./,
  );
  const ok = r.publish(conn, 's/us/SN1-c1', '200,c8y_TemperatureMeasurement,T,19.5,C');
  assert.deepEqual(
    childDataOnItsTopic(r.ctx(), 'SN1-c1', since).evidence.map((e) => e.seq),
    [ok.seq],
  );
  const root = r.publish(conn, 's/us', '211,19.5');
  const v = childDataOnItsTopic(r.ctx(), 'SN1-c1', since);
  broke(v, 'hierarchy.child-data-topic', [root.seq]);
  assert.match(message(v), /It sent it on s\/us\./);
  assert.equal(!v.ok && v.final, true);
});
