// The platform-data checks and the audit's reading of a record (devices, table), over hand-made records:
// the exact messages, the exact evidence, and the cases at the edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from '../rules.ts';
import { devicesIn, formatAudit, type Audit, type AuditRow } from './audit.ts';
import { configurationIs, eventWithText, knowsDevice, measured, retainIgnored } from './platform-data.ts';
import { RecordBuilder } from './test-record.ts';
import { evidence, type Verdict } from './verdict.ts';

const seqs = (v: Verdict) => v.evidence.map((e) => e.seq);

/** a passing verdict under the rule, with exactly this evidence */
function kept(v: Verdict, rule: string, evidenceSeqs: number[]) {
  assert.deepEqual([v.ok, v.rule], [true, rule]);
  assert.deepEqual(seqs(v), evidenceSeqs);
}

/** a failing verdict: its first two message lines (what the rule requires, what was found) and its evidence */
function failed(v: Verdict, head: [string, string], evidenceSeqs: number[]) {
  assert.equal(v.ok, false, 'the check passed');
  assert.deepEqual(v.ok ? [] : v.message.split('\n').slice(0, 2), head);
  assert.deepEqual(seqs(v), evidenceSeqs);
}

const DATA = '[platform.data, violation]';
const BEHAVIOUR = '[platform.behaviour, info]';

test('knowsDevice: a child-created change makes the child known, with its creation as evidence', () => {
  const r = new RecordBuilder();
  r.connect();
  const root = r.platform('device-created', {});
  const child = r.platform('child-created', { deviceId: 'SN1-c', parent: 'SN1' });
  kept(knowsDevice(r.ctx(), 'SN1-c'), 'platform.data', [child.seq]);
  kept(knowsDevice(r.ctx(), 'SN1'), 'platform.data', [root.seq]);
});

test("knowsDevice breaks on other changes of the device or another device's creation; evidence is the data", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '211,19.5');
  const m = r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 19.5 }] });
  const refused = r.decision('smartrest-error', { rule: 'platform.not-processed', severity: 'warning', reason: 'x' });
  r.decision('retain-ignored', {});
  const other = r.platform('device-created', { deviceId: 'SN2', rootId: 'SN2' });
  r.disconnect(c);
  failed(
    knowsDevice(r.ctx(), 'SN1'),
    [`${DATA} a device 'SN1' on the platform.`, 'No such device was created.'],
    [m.seq, refused.seq, other.seq],
  );
});

test('knowsDevice on an empty record: the message says nothing relevant was recorded', () => {
  const r = new RecordBuilder();
  const v = knowsDevice(r.ctx(), 'SN1');
  failed(v, [`${DATA} a device 'SN1' on the platform.`, 'No such device was created.'], []);
  assert.match((v as { message: string }).message, /The record shows:\n {2}\(nothing relevant in the record\)\n/);
});

test('measured passes on the latest matching measurement only, and names it as the evidence', () => {
  const r = new RecordBuilder();
  const first = r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 1, unit: 'C' }] });
  const second = r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 2, unit: 'C' }] });
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 2 }), 'platform.data', [second.seq]);
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1 }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the value 1.`, 'The latest one has the value 2 and the unit "C".'],
    [first.seq, second.seq],
  );
});

test('measured reads the exact fragment and series, not the first one sharing either', () => {
  const r = new RecordBuilder();
  const m = r.platform('measurement', {
    measurements: [
      { fragment: 'c8y_U', series: 'T', value: 6, unit: 'F' },
      { fragment: 'c8y_T', series: 'X', value: 5, unit: 'K' },
      { fragment: 'c8y_T', series: 'T', value: 1, unit: 'C' },
    ],
  });
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1, unit: 'C' }), 'platform.data', [m.seq]);
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 5 }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the value 5.`, 'The latest one has the value 1 and the unit "C".'],
    [m.seq],
  );
});

test('measured: a later measurement of the device without the series does not hide the one with it', () => {
  const r = new RecordBuilder();
  const t = r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 1, unit: 'C' }] });
  r.platform('measurement', { measurements: [{ fragment: 'c8y_H', series: 'H', value: 40, unit: '%' }] });
  r.platform('measurement', {
    deviceId: 'SN2',
    measurements: [{ fragment: 'c8y_T', series: 'T', value: 9, unit: 'C' }],
  });
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1 }), 'platform.data', [t.seq]);
});

test('measured with only a value or only a unit judges that alone, and the message asks for just that', () => {
  const r = new RecordBuilder();
  const m = r.platform('measurement', { measurements: [{ fragment: 'c8y_T', series: 'T', value: 1, unit: 'C' }] });
  const got = 'The latest one has the value 1 and the unit "C".';
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1 }), 'platform.data', [m.seq]);
  kept(measured(r.ctx(), 'SN1', 'c8y_T', 'T', { unit: 'C' }), 'platform.data', [m.seq]);
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 2 }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the value 2.`, got],
    [m.seq],
  );
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { unit: 'F' }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the unit "F".`, got],
    [m.seq],
  );
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 1, unit: 'F' }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the value 1 and the unit "F".`, got],
    [m.seq],
  );
});

test('measured with none on the platform: "The platform has none." with the platform changes as evidence', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '211,19.5');
  const created = r.platform('device-created', {});
  const refused = r.decision('smartrest-error', { rule: 'platform.server-error', severity: 'warning', reason: 'x' });
  failed(
    measured(r.ctx(), 'SN1', 'c8y_T', 'T', { value: 19.5 }),
    [`${DATA} a measurement c8y_T.T on 'SN1' with the value 19.5.`, 'The platform has none.'],
    [created.seq, refused.seq],
  );
});

test("eventWithText judges the latest event of that type on that device, not another device's or type's", () => {
  const r = new RecordBuilder();
  const mine = r.platform('event', { event: { type: 'c8y_E', text: 'a' } });
  const theirs = r.platform('event', { deviceId: 'SN2', event: { type: 'c8y_E', text: 'b' } });
  const otherType = r.platform('event', { event: { type: 'c8y_F', text: 'c' } });
  kept(eventWithText(r.ctx(), 'SN1', 'c8y_E', 'a'), 'platform.data', [mine.seq]);
  failed(
    eventWithText(r.ctx(), 'SN1', 'c8y_E', 'say "hi"'),
    [`${DATA} an event c8y_E with the text "say \\"hi\\"".`, 'The latest one has the text "a".'],
    [mine.seq, theirs.seq, otherType.seq],
  );
  failed(
    eventWithText(r.ctx(), 'SN1', 'c8y_G', 'a'),
    [`${DATA} an event c8y_G with the text "a".`, 'The platform has none.'],
    [mine.seq, theirs.seq, otherType.seq],
  );
});

test("configurationIs judges the device's latest c8y_Configuration, not another device's or fragment", () => {
  const r = new RecordBuilder();
  const mine = r.platform('fragment-set', { fragment: 'c8y_Configuration', value: { config: 'a=1' } });
  const theirs = r.platform('fragment-set', { deviceId: 'SN2', fragment: 'c8y_Configuration', value: { config: 'b' } });
  const firmware = r.platform('fragment-set', { fragment: 'c8y_Firmware', value: { config: 'c=3' } });
  kept(configurationIs(r.ctx(), 'SN1', 'a=1'), 'platform.data', [mine.seq]);
  failed(
    configurationIs(r.ctx(), 'SN1', 'a=2'),
    [`${DATA} the configuration "a=2" on 'SN1'.`, 'The latest one has the configuration "a=1".'],
    [mine.seq, theirs.seq, firmware.seq],
  );
  failed(
    configurationIs(r.ctx(), 'SN2-c', 'a=1'),
    [`${DATA} the configuration "a=1" on 'SN2-c'.`, 'The platform has none.'],
    [mine.seq, theirs.seq, firmware.seq],
  );
});

test('configurationIs: a c8y_Configuration set without a value fails (no crash) on that change', () => {
  const r = new RecordBuilder();
  const bare = r.platform('fragment-set', { fragment: 'c8y_Configuration' });
  const v = configurationIs(r.ctx(), 'SN1', 'a=1');
  assert.equal(v.ok, false);
  assert.deepEqual(seqs(v), [bare.seq]);
  assert.match((v as { message: string }).message, /\nThe latest one has the configuration /);
});

const EXPECTED_RETAIN =
  'a retained publish handled like any other, nothing stored as retained, and no retain flag from the broker.';

test("retainIgnored: the device's own retained PUBLISH is not the broker's flag; the evidence is the decision", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.packet(c, 'in', 'publish', { topic: 's/us', payload: '100', qos: 1, retain: true, messageId: 1 });
  const ignored = r.decision('retain-ignored', {});
  r.publish(c, 's/ds', '510,SN1', { dir: 'out' });
  kept(retainIgnored(r.ctx()), 'platform.behaviour', [ignored.seq]);
});

test('retainIgnored breaks with the count of flagged PUBLISHes from the broker, quoting them and the decision', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const ignored = r.decision('retain-ignored', {});
  const one = r.packet(c, 'out', 'publish', { topic: 's/ds', payload: '510,SN1', qos: 0, retain: true });
  const two = r.packet(c, 'out', 'publish', { topic: 's/ds', payload: '511,SN1,x', qos: 0, retain: true });
  failed(
    retainIgnored(r.ctx()),
    [`${BEHAVIOUR} ${EXPECTED_RETAIN}`, '2 PUBLISH(es) from the broker carry the retain flag.'],
    [ignored.seq, one.seq, two.seq],
  );
  const lone = new RecordBuilder();
  const flagged = lone.packet(lone.connect(), 'out', 'publish', { topic: 's/ds', payload: 'x', qos: 0, retain: true });
  failed(
    retainIgnored(lone.ctx()),
    [`${BEHAVIOUR} ${EXPECTED_RETAIN}`, '1 PUBLISH(es) from the broker carry the retain flag.'],
    [flagged.seq],
  );
});

test('retainIgnored breaks when no retained publish was seen at all, with no evidence', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '100');
  failed(retainIgnored(r.ctx()), [`${BEHAVIOUR} ${EXPECTED_RETAIN}`, 'No retained publish was seen.'], []);
});

test('devicesIn: no device from a CONNECT without a ClientId, an empty one, or events that are not CONNECTs', () => {
  const r = new RecordBuilder();
  r.decision('undecodable-bytes', { conn: 'c0', dir: 'in', reason: 'the device sent bytes that are not MQTT' });
  r.packet('c8', 'in', 'connect', { clean: true, keepalive: 60, protocolVersion: 4 });
  r.connect('');
  r.connect('d:SN7');
  r.decision('undecodable-bytes', { conn: 'c9', dir: 'in', reason: 'the device sent bytes that are not MQTT' });
  assert.deepEqual(devicesIn(r.events), ['SN7']);
  assert.deepEqual(devicesIn(new RecordBuilder().events), []);
});

// formatAudit over a hand-made audit: rules of different lengths, every outcome, evidence of 0 to 4 events
function handMadeAudit(): { audit: Audit; ev: ReturnType<typeof evidence> } {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '100');
  r.publish(c, 's/us', '200,c8y_T,T,1');
  const ev = evidence(r.events.slice(2, 6)); // CONNECT, CONNACK, two PUBLISHes
  const row = (rule: string, outcome: AuditRow['outcome'], n: number): AuditRow => ({
    rule,
    outcome,
    evidence: ev.slice(0, n),
    ...(outcome === 'pass' || outcome === 'n/a' ? {} : { message: `${rule} broke` }),
  });
  const rows = [
    row('clientid.format', 'pass', 2),
    row('connect.protocol-level', 'pass', 0),
    row('qos.as-configured', 'n/a', 0),
    row('escaping.doubled-quote', 'violation', 4),
    row('connect.last-will', 'warning', 0),
    row('topics.subscribe-publish-topic', 'expected', 1),
    row('platform.behaviour', 'info', 0),
    row('lab.not-in-the-rulebook', 'warning', 0),
  ];
  return {
    ev,
    audit: {
      deviceId: 'SN1',
      rows,
      violations: rows.filter((x) => x.outcome === 'violation'),
      warnings: rows.filter((x) => x.outcome === 'warning'),
    },
  };
}

/** one table line: the rule padded to the longest rule (30 here), the mark padded to 9, what the rule says */
const line = (rule: string, mark: string) => `  ${rule.padEnd(30)}  ${mark.padEnd(9)} ${RULES.get(rule)?.says ?? ''}`;

test('formatAudit: the head counts violations, warnings, rules kept and not applicable', () => {
  const { audit } = handMadeAudit();
  const head = formatAudit(audit).split('\n')[0];
  assert.equal(head, "Audit of device 'SN1': 1 violation(s), 2 warning(s), 2 rule(s) kept, 1 not applicable");
});

test('formatAudit lists findings only, with at most 3 evidence lines each; an unknown rule has no text', () => {
  const { audit, ev } = handMadeAudit();
  assert.equal(ev.length, 4);
  const lines = formatAudit(audit).split('\n');
  assert.deepEqual(lines.slice(1), [
    line('escaping.doubled-quote', 'VIOLATION'),
    `      ${ev[0]!.text}`,
    `      ${ev[1]!.text}`,
    `      ${ev[2]!.text}`,
    line('connect.last-will', 'warning'),
    line('topics.subscribe-publish-topic', 'expected'),
    `      ${ev[0]!.text}`,
    line('platform.behaviour', 'info'),
    `  ${'lab.not-in-the-rulebook'.padEnd(30)}  warning   `,
  ]);
  assert.match(lines[1]!, /^ {2}escaping\.doubled-quote {10}VIOLATION A double quote inside a quoted field/);
});

test('formatAudit with all: rules kept and not applicable too, marked ok and –, without their evidence', () => {
  const { audit } = handMadeAudit();
  const lines = formatAudit(audit, { all: true }).split('\n');
  assert.deepEqual(lines.slice(1, 4), [
    line('clientid.format', 'ok'),
    line('connect.protocol-level', 'ok'),
    line('qos.as-configured', '–'),
  ]);
  assert.equal(lines.length, 1 + audit.rows.length + 3 + 1);
});
