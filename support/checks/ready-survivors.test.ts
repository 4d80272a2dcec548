// The readiness, reconnect, child-topic and unsupported-operation checks broken in the ways the
// mutation run showed untested: SUBACKs that answer another SUBSCRIBE, another connection or
// another device; what a pass quotes; the exact expectations each failure states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readyForScenario, reconnectedSince } from './connect.ts';
import { childDataOnItsTopic } from './hierarchy.ts';
import { unsupportedNotExecuted, type OperationRef } from './operations.ts';
import { configurationReportedAs, temperatureOf } from './platform-data.ts';
import { seedEscaping } from './smartrest.ts';
import { registeredBeforeSubscribing } from './topics.ts';
import { devicesIn } from './audit.ts';
import { RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const message = (v: Verdict) => (v.ok ? '' : v.message);
const seqs = (v: Verdict) => v.evidence.map((e) => e.seq);

/** a connected device the platform knows, on its latest connection */
function known(): { r: RecordBuilder; conn: string; created: ReturnType<RecordBuilder['platform']> } {
  const r = new RecordBuilder();
  const conn = r.connect();
  const created = r.platform('device-created', { by: '100' });
  return { r, conn, created };
}

test('ready: a pass quotes the CONNACK, the creation and the granted subscription, under operations.lifecycle', () => {
  const { r, conn, created } = known();
  const sub = r.subscribe(conn, [['s/ds', 1]], 3);
  r.packet(conn, 'out', 'suback', { messageId: 3, granted: [1] });
  const v = readyForScenario(r.ctx(), true);
  assert.deepEqual([v.ok, v.rule, seqs(v)], [true, 'operations.lifecycle', [4, created.seq, sub.seq]]);
  assert.deepEqual(seqs(readyForScenario(r.ctx(), false)), [4, created.seq, sub.seq]);
});

test('ready: a SUBACK on another connection, for another message id, or before the SUBSCRIBE grants nothing', () => {
  const { r, conn } = known();
  r.subscribe(conn, [['s/e', 0]], 5);
  r.packet(conn, 'out', 'suback', { messageId: 5, granted: [0] });
  r.subscribe(conn, [['s/ds', 1]], 5);
  assert.equal(readyForScenario(r.ctx(), true).ok, false, 'the earlier SUBACK with the same id answered another');
  r.packet(conn, 'out', 'suback', { messageId: 6, granted: [1] });
  assert.equal(readyForScenario(r.ctx(), true).ok, false, 'a SUBACK for another message id');
  r.packet('c9', 'out', 'suback', { messageId: 5, granted: [1] });
  assert.equal(readyForScenario(r.ctx(), true).ok, false, 'a SUBACK on another connection');
  r.publish(conn, 's/ds', '510,SN1', { dir: 'out', messageId: 5 });
  assert.equal(readyForScenario(r.ctx(), true).ok, false, 'a PUBLISH with that id is no SUBACK');
  r.packet(conn, 'out', 'suback', { messageId: 5, granted: [1] });
  assert.equal(readyForScenario(r.ctx(), true).ok, true);
});

test('ready: a SUBACK with too few codes, or none, grants nothing (and does not throw)', () => {
  const { r, conn } = known();
  r.subscribe(
    conn,
    [
      ['s/e', 0],
      ['s/ds', 1],
    ],
    2,
  );
  r.packet(conn, 'out', 'suback', { messageId: 2, granted: [0] });
  assert.equal(readyForScenario(r.ctx(), true).ok, false);
  const bare = known();
  bare.r.subscribe(bare.conn, [['s/ds', 1]], 2);
  bare.r.packet(bare.conn, 'out', 'suback', { messageId: 2 });
  assert.equal(readyForScenario(bare.r.ctx(), true).ok, false);
  const other = known();
  other.r.subscribe(other.conn, [['s/e', 0]], 2);
  other.r.packet(other.conn, 'out', 'suback', { messageId: 2, granted: [0] });
  assert.equal(readyForScenario(other.r.ctx(), true).ok, false, 's/e granted is not s/ds granted');
});

test('ready: s/ds granted on an older connection does not count for the latest', () => {
  const r = new RecordBuilder();
  const old = r.connect();
  r.platform('device-created', { by: '100' });
  r.subscribe(old, [['s/ds', 1]], 1);
  r.packet(old, 'out', 'suback', { messageId: 1, granted: [1] });
  r.disconnect(old);
  r.connect();
  const v = readyForScenario(r.ctx(), true);
  assert.equal(v.ok, false);
  assert.equal(!v.ok && v.final, false, "the older connection's close does not make the wait final");
  assert.match(message(v), /^\[operations\.lifecycle, violation\] /m);
});

test('ready: only a creation of this device counts; as a child it counts too; other changes do not', () => {
  const r = new RecordBuilder();
  r.connect();
  r.platform('device-created', { deviceId: 'SN2' });
  r.platform('fragment-set', { fragment: 'c8y_Hardware' });
  const v = readyForScenario(r.ctx(), false);
  assert.match(message(v), /It connected, but the platform does not know it \(no 100 and no data yet\)\./);
  r.add('decision', { decision: 'x', change: 'device-created', deviceId: 'SN1' });
  assert.equal(readyForScenario(r.ctx(), false).ok, false, 'a decision is no platform change');
  const child = r.platform('child-created', { parentId: 'GW' });
  assert.deepEqual(seqs(readyForScenario(r.ctx(), false)), [4, child.seq]);
});

test('ready: both wants are named, and what a device is expected to do is stated', () => {
  const r = new RecordBuilder();
  r.connect();
  const v = readyForScenario(r.ctx(), true);
  assert.ok(
    message(v).includes(
      'a connected device to register (100) and subscribe to s/ds before it is given operations.\n' +
        'It connected, but the platform does not know it (no 100 and no data yet), and s/ds was not granted ' +
        'on its latest connection.',
    ),
    message(v),
  );
});

test('reconnected: a pass is connect.accepted quoting the CONNACK; the failure states the expectation', () => {
  const r = new RecordBuilder();
  r.connect();
  const since = r.events.at(-1)!.seq;
  assert.ok(
    message(reconnectedSince(r.ctx(), since)).includes(
      '[connect.accepted, violation] the device to connect again once its link is back (CONNACK 0).',
    ),
  );
  r.connect();
  const v = reconnectedSince(r.ctx(), since);
  assert.deepEqual([v.ok, v.rule, seqs(v)], [true, 'connect.accepted', [r.events.at(-1)!.seq]]);
});

test('child data: only s/us topics count; a pass is ok; several wrong topics are listed; none yet is not final', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  const since = r.events.at(-1)!.seq;
  r.publish(conn, 's/ds', '510,SN1-c1', { dir: 'in' });
  const none = childDataOnItsTopic(r.ctx(), 'SN1-c1', since);
  assert.match(message(none), /It sent nothing on s\/us since\./);
  assert.equal(!none.ok && none.final, false);
  const own = r.publish(conn, 's/us/SN1-c1', '211,19.5');
  const v = childDataOnItsTopic(r.ctx(), 'SN1-c1', since);
  assert.deepEqual([v.ok, seqs(v)], [true, [own.seq]]);
  r.publish(conn, 's/us', '211,19.5');
  r.publish(conn, 's/us/SN1-c2', '211,19.5');
  assert.match(message(childDataOnItsTopic(r.ctx(), 'SN1-c1', since)), /It sent it on s\/us, s\/us\/SN1-c2\./);
  const wrongOnly = new RecordBuilder();
  const c2 = wrongOnly.connect();
  wrongOnly.publish(c2, 's/us', '211,19.5');
  const w = childDataOnItsTopic(wrongOnly.ctx(), 'SN1-c1', 0);
  assert.equal(!w.ok && w.final, true);
});

test('unsupported: FAILED under "ignore" breaks it finally; "fail" names the state; the operation is named', () => {
  const op: OperationRef = { id: '4', fragment: 'c8y_Relay', deviceId: 'SN1' };
  const r = new RecordBuilder();
  r.connect();
  r.platform('operation-created', { operationId: '4', fragment: 'c8y_Relay' });
  const quiet = unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'ignore' } }), op);
  assert.deepEqual([quiet.ok, quiet.rule], [true, 'operations.lifecycle']);
  r.platform('operation-status', { operationId: '4', to: 'EXECUTING' });
  const waiting = unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'fail' } }), op);
  assert.ok(
    message(waiting).includes(
      'operation 4 (c8y_Relay, which the device does not support) to end FAILED, as its profile promises.\n' +
        'It is EXECUTING.',
    ),
    message(waiting),
  );
  assert.equal(!waiting.ok && waiting.final, false);
  r.platform('operation-status', { operationId: '4', to: 'FAILED' });
  const v = unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'ignore' } }), op);
  assert.match(message(v), /The device answered it: it is FAILED\./);
  assert.equal(!v.ok && v.final, true);
  assert.equal(unsupportedNotExecuted(r.ctx({ promised: { unsupported: 'fail' } }), op).ok, true);
});

test('configuration and temperature: not judged is platform.data; the default series needs the value', () => {
  const r = new RecordBuilder();
  assert.deepEqual(configurationReportedAs(r.ctx(), 'SN1', 'a=1'), {
    ok: true,
    rule: 'platform.data',
    evidence: [],
    applicable: false,
  });
  r.platform('measurement', { measurements: [{ fragment: 'c8y_TemperatureMeasurement', series: 'T', value: 18 }] });
  assert.equal(temperatureOf(r.ctx(), 'SN1', 19.5).ok, false, 'another value');
  const m = r.platform('measurement', {
    measurements: [{ fragment: 'c8y_TemperatureMeasurement', series: 'T', value: 19.5 }],
  });
  const v = temperatureOf(r.ctx(), 'SN1', 19.5);
  assert.deepEqual([v.ok, seqs(v).includes(m.seq)], [true, true]);
});

test('escaping: a violation is reported before a warning, whatever the order of the rules', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  r.publish(conn, 's/us', '400,c8y_E," padded\\x"');
  r.decision('smartrest-finding', {
    rule: 'escaping.stray-backslash',
    severity: 'warning',
    findings: [{ code: 'stray-backslash' }],
  });
  r.publish(conn, 's/us', '400,c8y_E,"say ""hi"""');
  r.decision('smartrest-finding', {
    rule: 'escaping.doubled-quote',
    severity: 'violation',
    findings: [{ code: 'doubled-quote' }],
  });
  const v = seedEscaping(r.ctx());
  assert.equal(v.rule, 'escaping.doubled-quote');
});

test('registered first: a subscription in the same event as nothing else, and a 100 on s/us only', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  r.publish(conn, 's/uc/x', '100,Name,type');
  r.subscribe(conn, [['s/ds', 1]]);
  assert.equal(registeredBeforeSubscribing(r.ctx()).ok, false, 'a 100 on another topic registers nothing');
  const ok = new RecordBuilder();
  const c = ok.connect();
  ok.packet(c, 'in', 'unsubscribe', { messageId: 1, unsubscriptions: ['s/ds'], subscriptions: [{ topic: 's/ds' }] });
  ok.publish(c, 's/us', '100,Name,type');
  ok.subscribe(c, [['s/ds', 1]]);
  assert.equal(registeredBeforeSubscribing(ok.ctx()).ok, true, 'an UNSUBSCRIBE is no SUBSCRIBE');
});

test('devicesIn: only the CONNECTs the devices sent name devices', () => {
  const r = new RecordBuilder();
  r.connect('SN1');
  r.packet('c1', 'out', 'connect', { clientId: 'ECHO' });
  r.add('decision', { decision: 'x', type: 'connect', dir: 'in', packet: { clientId: 'DECIDED' } });
  r.packet('c1', 'in', 'publish', { clientId: 'PUB', topic: 's/us', payload: '' });
  assert.deepEqual(devicesIn(r.events), ['SN1']);
});

test('excerpts: t/us, q/us and c/us lines are named by the s/us templates', async () => {
  const { describeEvent } = await import('./excerpt.ts');
  const r = new RecordBuilder();
  const conn = r.connect();
  for (const topic of ['t/us', 'q/us', 'c/us']) {
    const e = r.publish(conn, topic, '100,Name,c8y_Type');
    assert.match(describeEvent(e), /"100,Name,c8y_Type" \(create device\)/, topic);
  }
});

test('a verdict for a rule the rulebook lacks is an error naming it', async () => {
  const { broken } = await import('./verdict.ts');
  assert.throws(() => broken('no.such-rule', {}, 'x', []), /^Error: no rule 'no.such-rule' in the rulebook/);
});

test('retain: a decision that names a direction is no PUBLISH from the broker', async () => {
  const { retainIgnored } = await import('./platform-data.ts');
  const r = new RecordBuilder();
  r.decision('retain-ignored', { conn: 'c1' });
  r.add('decision', { decision: 'undecodable-bytes', dir: 'out', type: 'publish' });
  assert.equal(retainIgnored(r.ctx()).ok, true);
});
