// How a failing check quotes the record (one decoded line per event), what a verdict says and when it
// fails a step, rules the platform decided, waits at their deadline, and which traffic is the device's.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordEvent } from '../record/events.ts';
import {
  deviceConnections,
  deviceDecisions,
  devicePackets,
  payloadOf,
  platformChanges,
  topicOf,
} from './device-traffic.ts';
import { describeEvent } from './excerpt.ts';
import { decidedRule } from './from-decisions.ts';
import { DEVICE, RecordBuilder } from './test-record.ts';
import { assertVerdict, broken, CheckFailure, evidence, notApplicable, pass, type Verdict } from './verdict.ts';
import { throughout, within, type GrowingRecord } from './waiting.ts';

/** the line describeEvent gives for the event with this seq */
const described = (r: RecordBuilder, seq: number) => describeEvent(r.events[seq - 1]!);
const messageOf = (v: Verdict) => {
  assert.equal(v.ok, false, 'the verdict failed');
  return (v as { message: string }).message;
};
const seqs = (events: readonly { seq: number }[]) => events.map((e) => e.seq);

// ---------------------------------------------------------------------------------------------
// excerpt: describeEvent

test('describeEvent: a CONNECT shows its ClientId, clean flag and last will; a CONNACK its return code', () => {
  const r = new RecordBuilder();
  r.connect('d:SN1', { clean: false, will: true }); // #2 open, #3 CONNECT, #4 CONNACK
  r.connect('SN1', { returnCode: 5 }); // #5 open, #6 CONNECT, #7 CONNACK
  assert.equal(described(r, 3), '#3 +2.0ms c1 device → broker CONNECT ClientId "d:SN1" clean 0 with a last will');
  assert.equal(described(r, 4), '#4 +3.0ms c1 broker → device CONNACK return code 0');
  assert.equal(described(r, 6), '#6 +5.0ms c2 device → broker CONNECT ClientId "SN1" clean 1');
  assert.equal(described(r, 7), '#7 +6.0ms c2 broker → device CONNACK return code 5');
});

test('describeEvent: a PUBLISH shows topic, QoS and DUP (not its id), each SmartREST line decoded and named', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const both = r.publish(c, 's/us', '100,"a,b"\n400,c8y_E,"say ""hi"""', { messageId: 7, dup: true });
  const plain = r.publish(c, 's/us', '200,c8y_T,T,25', { qos: 0 });
  const down = r.publish(c, 's/ds', '510,SN1', { qos: 0, dir: 'out' });
  const error = r.publish(c, 's/e', '41,100,boom', { qos: 2, messageId: 9, dir: 'out' });
  assert.equal(
    describeEvent(both),
    '#5 +4.0ms c1 device → broker PUBLISH on s/us QoS 1 DUP "100,\\"a,b\\"" (create device) | ' +
      '"400,c8y_E,\\"say \\"\\"hi\\"\\"\\"" (event) [doubled-quote, doubled-quote]',
  );
  assert.equal(
    describeEvent(plain),
    '#6 +5.0ms c1 device → broker PUBLISH on s/us QoS 0 "200,c8y_T,T,25" (measurement)',
  );
  assert.equal(describeEvent(down), '#7 +6.0ms c1 broker → device PUBLISH on s/ds QoS 0 "510,SN1" (c8y_Restart)');
  assert.equal(
    describeEvent(error),
    '#8 +7.0ms c1 broker → device PUBLISH on s/e QoS 2 "41,100,boom" (error: not processed)',
  );
});

test('describeEvent: a SmartREST line of up to 100 characters is quoted whole, a longer one cut at 100 with …', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const at100 = r.publish(c, 's/us', 'x'.repeat(100), { qos: 0 });
  const at101 = r.publish(c, 's/us', 'y'.repeat(101), { qos: 0 });
  assert.equal(describeEvent(at100), `#5 +4.0ms c1 device → broker PUBLISH on s/us QoS 0 "${'x'.repeat(100)}"`);
  assert.equal(describeEvent(at101), `#6 +5.0ms c1 device → broker PUBLISH on s/us QoS 0 "${'y'.repeat(100)}…"`);
});

test('describeEvent: a payload is decoded only with its topic; a packet without one has no decoded line', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const noTopic = r.packet(c, 'in', 'publish', { payload: '100', qos: 0 });
  const noPayload = r.packet(c, 'in', 'publish', { topic: 's/us', qos: 0 });
  const bare = r.packet(c, 'in', 'pingreq', {});
  assert.equal(describeEvent(noTopic), '#5 +4.0ms c1 device → broker PUBLISH QoS 0');
  assert.equal(describeEvent(noPayload), '#6 +5.0ms c1 device → broker PUBLISH on s/us QoS 0');
  assert.equal(describeEvent(bare), '#7 +6.0ms c1 device → broker PINGREQ ');
});

test('describeEvent: SUBSCRIBE lists its topics with QoS, SUBACK what was granted, acknowledgements their id', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const sub = r.subscribe(
    c,
    [
      ['s/ds', 1],
      ['s/e', 0],
    ],
    3,
  );
  const suback = r.packet(c, 'out', 'suback', { messageId: 3, granted: [1, 128] });
  const puback = r.ack(c, 'puback', 7);
  const pubrel = r.ack(c, 'pubrel', 8, 'out');
  assert.equal(describeEvent(sub), '#5 +4.0ms c1 device → broker SUBSCRIBE id 3 s/ds (QoS 1), s/e (QoS 0)');
  assert.equal(describeEvent(suback), '#6 +5.0ms c1 broker → device SUBACK id 3 granted 1,128');
  assert.equal(describeEvent(puback), '#7 +6.0ms c1 device → broker PUBACK id 7');
  assert.equal(describeEvent(pubrel), '#8 +7.0ms c1 broker → device PUBREL id 8');
});

test('describeEvent: a decision names its connection, rule and severity, and why; missing parts stay empty', () => {
  const r = new RecordBuilder();
  const full = r.decision('login-refused', {
    conn: 'c4',
    rule: 'connect.credentials',
    severity: 'violation',
    reason: 'bad password',
  });
  const bare = r.decision('will-stored');
  assert.equal(
    describeEvent(full),
    '#2 +1.0ms c4 broker decided login-refused [violation: connect.credentials]: bad password',
  );
  // a format 2 record writes the rule down: a decision without one names no rule
  assert.equal(describeEvent(bare), '#3 +2.0ms  broker decided will-stored: ');
});

test('describeEvent: a platform change shows the device and its own fields, not the bookkeeping ones', () => {
  const r = new RecordBuilder();
  const created = r.platform('created', { type: 'c8y_Device', name: 'n', cause: 'x', causeSeq: 3 });
  const long = r.platform('event', { text: 'y'.repeat(250), cause: 'x' });
  assert.equal(describeEvent(created), '#2 +1.0ms platform: created SN1 type="c8y_Device" name="n"');
  // the fields are cut at 200 characters
  assert.equal(describeEvent(long), `#3 +2.0ms platform: event SN1 text="${'y'.repeat(194)}`);
});

test('describeEvent: any other event is its kind and its fields as JSON, without seq, time and kind', () => {
  const r = new RecordBuilder();
  r.connect();
  assert.equal(described(r, 1), '#1 +0.0ms meta {"format":"c8y-hil-record","version":2}');
  assert.equal(described(r, 2), '#2 +1.0ms connection {"action":"open","conn":"c1","transport":"mqtt"}');
});

// ---------------------------------------------------------------------------------------------
// verdict

test('broken: the message says the rule and severity, what it requires, what the device did, the evidence', () => {
  const r = new RecordBuilder();
  r.connect('SN1', { will: true });
  const v = broken('connect.last-will', { recordPath: '/tmp/r.jsonl' }, 'The CONNECT carried a last will.', [
    r.events[2]!,
    r.events[3]!,
  ]);
  assert.deepEqual(
    { ...v, message: undefined },
    {
      ok: false,
      rule: 'connect.last-will',
      severity: 'warning',
      message: undefined,
      final: false,
      evidence: [
        { seq: 3, t: 2, text: described(r, 3) },
        { seq: 4, t: 3, text: described(r, 4) },
      ],
    },
  );
  assert.equal(
    messageOf(v),
    '[connect.last-will, warning] The device does not rely on a last will: Cumulocity never publishes it.\n' +
      'The CONNECT carried a last will.\n' +
      'The record shows:\n' +
      '  #3 +2.0ms c1 device → broker CONNECT ClientId "SN1" clean 1 with a last will\n' +
      '  #4 +3.0ms c1 broker → device CONNACK return code 0\n' +
      'Full record: /tmp/r.jsonl',
  );
});

test('broken: no evidence, no record file, a strict run and an expectation of its own each show in the message', () => {
  const v = broken('connect.last-will', { strict: true }, 'Nothing was sent.', [], {
    final: true,
    expected: 'A CONNECT within 5 s.',
  });
  assert.equal(
    messageOf(v),
    '[connect.last-will, violation] A CONNECT within 5 s.\nNothing was sent.\nThe record shows:\n' +
      '  (nothing relevant in the record)\nFull record: (in memory only)',
  );
  assert.deepEqual([v.ok, (v as { final: boolean }).final, v.evidence], [false, true, []]);
});

test('broken: a rule that is not in the rulebook is a programming error, named', () => {
  assert.throws(() => broken('no.such-rule', {}, 'x', []), {
    message: "no rule 'no.such-rule' in the rulebook (support/rules.ts)",
  });
});

test('evidence: only the last 20 events are quoted, in order', () => {
  const r = new RecordBuilder();
  for (let i = 0; i < 24; i++) r.add('note', { i });
  assert.equal(r.events.length, 25);
  const expected = Array.from({ length: 20 }, (_, i) => i + 6);
  assert.deepEqual(seqs(evidence(r.events)), expected);
  assert.deepEqual(seqs(pass('platform.data', r.events).evidence), expected);
  const v = broken('platform.data', {}, 'x', r.events);
  assert.deepEqual(seqs(v.evidence), expected);
  assert.equal(
    messageOf(v)
      .split('\n')
      .filter((l) => l.startsWith('  #')).length,
    20,
  );
  assert.match(messageOf(v), /\n {2}#6 \+5\.0ms note \{"i":4\}\n/);
  assert.doesNotMatch(messageOf(v), /#5 /);
});

test('pass and notApplicable: a pass quotes its events; a rule with nothing to judge has no evidence', () => {
  const r = new RecordBuilder();
  assert.deepEqual(pass('qos.as-configured', r.events), {
    ok: true,
    rule: 'qos.as-configured',
    applicable: true,
    evidence: [{ seq: 1, t: 0, text: described(r, 1) }],
  });
  assert.deepEqual(notApplicable('qos.as-configured'), {
    ok: true,
    rule: 'qos.as-configured',
    evidence: [],
    applicable: false,
  });
});

test('assertVerdict: a violation and a broken expectation (info) fail the step; a pass or a warning does not', () => {
  assertVerdict(pass('connect.last-will'));
  assertVerdict(notApplicable('connect.last-will'));
  assertVerdict(broken('connect.last-will', {}, 'a will', []));
  for (const [rule, severity] of [
    ['connect.last-will', 'violation'],
    ['platform.behaviour', 'info'],
    ['clientid.format', 'violation'],
  ] as const) {
    const v = broken(rule, { strict: true }, 'broke it', []);
    assert.equal((v as { severity: string }).severity, severity);
    assert.throws(
      () => assertVerdict(v),
      (e: unknown) => e instanceof CheckFailure && e.verdict === v && e.message === messageOf(v),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// from-decisions

/** a decision about the device's connection under a rule, as a format 2 record writes it */
const decided = (r: RecordBuilder, conn: string, decision: string, fields: Record<string, unknown> = {}) =>
  r.decision(decision, { conn, rule: 'smartrest.parameters', severity: 'violation', ...fields });

test('decidedRule: each decision under the rule is quoted with its answer and reason; up to 3 are listed', () => {
  const rule = decidedRule('smartrest.parameters');
  const r = new RecordBuilder();
  const c = r.connect();
  assert.deepEqual(rule.judge(r.ctx()), pass('smartrest.parameters'));
  const first = decided(r, c, 'smartrest-error', { answer: '45,100,missing name', reason: 'no name' });
  const second = decided(r, c, 'smartrest-error', { reason: 'too many' });
  const third = decided(r, c, 'smartrest-error');
  r.decision('smartrest-error', { conn: c, rule: 'platform.not-processed', severity: 'warning', reason: 'other' });
  const three = rule.judge(r.ctx());
  assert.deepEqual(seqs(three.evidence), [first.seq, second.seq, third.seq]);
  assert.equal(
    messageOf(three).split('\n')[1],
    'The platform decided 3 time(s): smartrest-error (answered "45,100,missing name"): no name; ' +
      'smartrest-error: too many; smartrest-error: ',
  );
  const fourth = decided(r, c, 'smartrest-error', { reason: 'fourth' });
  const four = rule.judge(r.ctx());
  assert.deepEqual(seqs(four.evidence), [first.seq, second.seq, third.seq, fourth.seq]);
  assert.equal(
    messageOf(four).split('\n')[1],
    'The platform decided 4 time(s): smartrest-error (answered "45,100,missing name"): no name; ' +
      'smartrest-error: too many; smartrest-error: ; …',
  );
  assert.match(messageOf(four), /^\[smartrest\.parameters, violation\] Every line has the template's mandatory/);
});

test("decidedRule: another device's decisions do not count; a format 1 record's decision gets its rule by name", () => {
  const rule = decidedRule('connect.credentials');
  const r = new RecordBuilder(1);
  const other = r.connect('SN2');
  r.decision('login-refused', { conn: other, deviceId: 'SN2', reason: 'not SN1' });
  assert.equal(rule.judge(r.ctx()).ok, true);
  const mine = r.decision('login-refused', { reason: 'wrong password' });
  const v = rule.judge(r.ctx());
  assert.deepEqual(seqs(v.evidence), [mine.seq]);
  assert.equal(messageOf(v).split('\n')[1], 'The platform decided 1 time(s): login-refused: wrong password');
});

// ---------------------------------------------------------------------------------------------
// waiting

/** a record that never grows, on a clock that only moves when the wait sleeps */
function stillRecord(t: TestContext): GrowingRecord & { sleeps: number[] } {
  let now = 1_000;
  t.mock.method(Date, 'now', () => now);
  const sleeps: number[] = [];
  return {
    sleeps,
    events: () => [],
    async written(ms) {
      sleeps.push(ms);
      now += Math.max(ms, 1);
    },
  };
}

test('within: at its deadline exactly, a failing check is not judged again; the message says the time', async (t) => {
  const rec = stillRecord(t);
  let judged = 0;
  const v = await within(rec, 0, () => {
    judged++;
    return broken('platform.data', {}, 'nothing yet', []);
  });
  assert.deepEqual([judged, rec.sleeps], [1, []]);
  assert.match(messageOf(v), /^Within 0 ms: \[platform\.data, violation\] /);
});

test('within: it sleeps until the deadline, then gives up with the last failure', async (t) => {
  const rec = stillRecord(t);
  let judged = 0;
  const v = await within(rec, 30, () => {
    judged++;
    return broken('platform.data', {}, `judged ${judged} time(s)`, []);
  });
  assert.deepEqual([judged, rec.sleeps], [2, [30]]);
  assert.match(messageOf(v), /^Within 30 ms: .*\njudged 2 time\(s\)\n/);
});

test('throughout: a check that holds at its deadline exactly is returned as judged, without a note', async (t) => {
  const rec = stillRecord(t);
  const kept = pass('platform.behaviour');
  let judged = 0;
  const v = await throughout(rec, 0, () => {
    judged++;
    return kept;
  });
  assert.equal(v, kept);
  assert.deepEqual([judged, rec.sleeps], [1, []]);
});

test('throughout: a failure ends the wait at once, with the window in its message', async (t) => {
  const rec = stillRecord(t);
  const v = await throughout(rec, 5000, () => broken('platform.behaviour', {}, 'it broke', []));
  assert.deepEqual(rec.sleeps, []);
  assert.match(messageOf(v), /^Throughout 5000 ms: \[platform\.behaviour, info\] .*\nit broke\n/);
});

// ---------------------------------------------------------------------------------------------
// device-traffic

test("deviceConnections: only the device's own CONNECT (device → broker) names a connection", () => {
  const r = new RecordBuilder();
  const mine = r.connect('d:SN1:tpl');
  const other = r.connect('SN2');
  // a CONNECT the other way, a PUBLISH and a non-packet event that carry a ClientId do not name one
  r.packet('c8', 'out', 'connect', { clientId: DEVICE });
  r.packet('c9', 'in', 'publish', { clientId: DEVICE, topic: 's/us', payload: '100' });
  r.add('note', { conn: 'c10', type: 'connect', dir: 'in', packet: { clientId: DEVICE } });
  assert.deepEqual([...deviceConnections(r.events, DEVICE)], [mine]);
  assert.deepEqual([...deviceConnections(r.events, 'SN2')], [other]);
  assert.deepEqual(seqs(devicePackets(r.events, DEVICE)), [3, 4]);
});

test('deviceConnections: an identifier with a colon is found by a ClientId that is exactly it', () => {
  const r = new RecordBuilder();
  const c = r.connect('a:b');
  assert.deepEqual([...deviceConnections(r.events, 'a:b')], [c]);
});

test('payloadOf and topicOf: a packet without a payload or topic has an empty one', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p = r.publish(c, 's/us', '100');
  const ack = r.ack(c, 'puback', 1);
  assert.deepEqual([payloadOf(p), topicOf(p)], ['100', 's/us']);
  assert.deepEqual([payloadOf(ack), topicOf(ack)], ['', '']);
});

test("deviceDecisions: decisions naming the device or on its connections; not other devices' nor other events", () => {
  const r = new RecordBuilder();
  const mine = r.connect();
  const other = r.connect('SN2');
  const byId = r.decision('will-stored');
  const byConn = r.decision('login-refused', { conn: mine, deviceId: undefined });
  r.decision('login-refused', { conn: other, deviceId: 'SN2' });
  r.decision('client-error', { conn: 7, deviceId: 'SN2' });
  r.platform('created');
  assert.deepEqual(seqs(deviceDecisions(r.events, DEVICE)), [byId.seq, byConn.seq]);
});

test('platformChanges: every platform change of that kind by default, or those the filter keeps', () => {
  const r = new RecordBuilder();
  const a = r.platform('created');
  r.platform('updated');
  const b = r.platform('created', { deviceId: 'child1' });
  r.add('note', { change: 'created', deviceId: DEVICE });
  assert.deepEqual(seqs(platformChanges(r.events, 'created')), [a.seq, b.seq]);
  assert.deepEqual(seqs(platformChanges(r.events, 'created', (e) => e.deviceId === 'child1')), [b.seq]);
});
