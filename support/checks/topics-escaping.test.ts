// The topic and SmartREST escaping rules, message by message: what each failure says, which events
// it shows (and in which order), and the records where a rule must not fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredOnSe, escapingRule, seedEscaping } from './smartrest.ts';
import {
  PASSIVE as TOPICS,
  noJsonViaMqtt,
  noSubscriptionRefused,
  publishedToKnownTopics,
  refusedAndOpen,
  registeredBeforeSubscribing,
} from './topics.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

type Failed = Extract<Verdict, { ok: false }>;

/** the verdict broke this rule with exactly this evidence (seqs, in order); returns it for the message */
function failed(v: Verdict, rule: string, seqs: number[]): Failed {
  assert.equal(brokeRule(v, rule, seqs), undefined);
  assert.deepEqual(
    v.evidence.map((e) => e.seq),
    seqs,
  );
  return v as Failed;
}

/** the first line (what the rule requires) and the second (what the device did) of a failure */
function said(v: Failed): [string, string] {
  const [expected, did] = v.message.split('\n');
  return [expected!, did!];
}

function kept(v: Verdict, rule: string, seqs?: number[]): void {
  assert.deepEqual([v.ok, v.rule], [true, rule]);
  if (seqs)
    assert.deepEqual(
      v.evidence.map((e) => e.seq),
      seqs,
    );
}

const judge = (id: string) => TOPICS.find((r) => r.id === id)!.judge;
const SUB_PUBLISH = 'topics.subscribe-publish-topic';
const SUB_UNKNOWN = 'topics.subscribe-unknown';

// ---- subscriptions -------------------------------------------------------------------------------

test('subscribe-publish-topic: the message names only the breaking filters, once each, in order', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const a = r.subscribe(c, [
    ['s/e', 0],
    ['s/us', 1],
    ['c8y/x', 1],
    ['#', 0],
  ]);
  const b = r.subscribe(c, [['s/us', 1]], 2);
  const v = failed(judge(SUB_PUBLISH)(r.ctx()), SUB_PUBLISH, [a.seq, b.seq]);
  assert.equal(said(v)[1], "The device subscribed to 's/us', '#'.");
  assert.equal(v.severity, 'violation');
});

test('subscribe-unknown: a refused subscription is named by its topic, evidence sorted by seq', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const d = r.decision('subscription-refused', { topic: 's/ds', rule: SUB_UNKNOWN, severity: 'violation' });
  const s = r.subscribe(c, [['c8y/ds', 1]]);
  const v = failed(judge(SUB_UNKNOWN)(r.ctx()), SUB_UNKNOWN, [d.seq, s.seq]);
  assert.equal(said(v)[1], "The device subscribed to 'c8y/ds', 's/ds'.");
});

test('subscribe rules: decisions under other rules, or without a rule, do not break them', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const s = r.subscribe(c, [['s/ds', 1]]);
  r.decision('publish-refused', { topic: 's/x', rule: 'topics.publish-unknown', severity: 'violation' });
  r.decision('subscription-refused', { topic: 's/us', rule: SUB_PUBLISH, severity: 'violation' });
  r.decision('note-without-rule', { topic: 'c8y/x' });
  kept(judge(SUB_UNKNOWN)(r.ctx()), SUB_UNKNOWN, [s.seq]);
  const b = new RecordBuilder();
  b.connect();
  b.decision('subscription-refused', { topic: 'c8y/x', rule: SUB_UNKNOWN, severity: 'violation' });
  b.decision('no-rule', {});
  kept(judge(SUB_PUBLISH)(b.ctx()), SUB_PUBLISH, []);
});

test('subscribe-unknown: a SUBSCRIBE recorded without its list of filters breaks nothing', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const s = r.packet(c, 'in', 'subscribe', { messageId: 1 });
  kept(judge(SUB_UNKNOWN)(r.ctx()), SUB_UNKNOWN, [s.seq]);
  kept(judge(SUB_PUBLISH)(r.ctx()), SUB_PUBLISH, [s.seq]);
});

// ---- publishes -------------------------------------------------------------------------------------

test('publish-unknown: kept, it shows the last three publishes of the device', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p = ['s/us', 's/us/child', 's/uc/x', 's/ud'].map((t) => r.publish(c, t, '200,c8y_T,T,1').seq);
  r.decision('subscription-refused', { topic: 's/us', rule: SUB_PUBLISH, severity: 'violation' });
  r.decision('no-rule', {});
  kept(publishedToKnownTopics(r.ctx()), 'topics.publish-unknown', p.slice(1));
});

test('publish-unknown: unknown topics and refused publishes, each topic once, evidence in record order', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const d = r.decision('publish-refused', { topic: 's/uat', rule: 'topics.publish-unknown', severity: 'violation' });
  const a = r.publish(c, 's/uss', '211,1');
  r.publish(c, 's/us', '211,1');
  const b = r.publish(c, 's/uss', '211,2');
  const v = failed(publishedToKnownTopics(r.ctx()), 'topics.publish-unknown', [d.seq, a.seq, b.seq]);
  assert.deepEqual(said(v), [
    '[topics.publish-unknown, violation] The device publishes only to topics of SPEC 3.',
    "The device published on 's/uss', 's/uat'.",
  ]);
});

// ---- JSON via MQTT ------------------------------------------------------------------------------

test('json-via-mqtt: publishes to unknown topics and SmartREST subscriptions are not JSON', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 'nowhere', 'x');
  r.publish(c, 's/uss', '211,1');
  r.subscribe(c, [
    ['s/ds', 1],
    ['s/e', 0],
  ]);
  kept(noJsonViaMqtt(r.ctx()), 'topics.json-via-mqtt');
});

test('json-via-mqtt: one JSON filter among SmartREST ones counts; the message gives the count', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const s = r.subscribe(c, [
    ['s/ds', 1],
    ['error', 0],
  ]);
  r.publish(c, 's/us', '200,c8y_T,T,1');
  const p = r.publish(c, 'measurement/measurements/create', '{}');
  const v = failed(noJsonViaMqtt(r.ctx()), 'topics.json-via-mqtt', [s.seq, p.seq]);
  assert.equal(v.severity, 'warning');
  assert.equal(said(v)[1], 'The device used JSON via MQTT 2 time(s); nothing it did there was checked.');
});

// ---- registration before s/ds ----------------------------------------------------------------------

const REGISTRATION = 'topics.subscribe-before-registration';
const EXPECTED_REGISTRATION =
  `[${REGISTRATION}, violation] the device publishes 100 on s/us before it subscribes to s/ds.`;

test('registration: kept with the 100 and the s/ds subscription as evidence, other subscriptions first', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.subscribe(c, [['s/e', 0]]);
  const reg = r.publish(c, 's/us', '100,Sensor,c8y_Type\n110,SN1,model,1.0');
  const sub = r.subscribe(c, [['s/ds', 1]], 2);
  kept(registeredBeforeSubscribing(r.ctx()), REGISTRATION, [reg.seq, sub.seq]);
});

test('registration: only a 100 line on s/us itself registers the device', () => {
  for (const [topic, payload] of [
    ['s/us', '200,c8y_T,T,1'],
    ['s/us/child', '100,Child,c8y_Type'],
    ['s/uc/x', '100,Sensor'],
  ] as const) {
    const r = new RecordBuilder();
    const c = r.connect();
    const p = r.publish(c, topic, payload);
    const s = r.subscribe(c, [['s/ds', 1]]);
    const v = failed(registeredBeforeSubscribing(r.ctx()), REGISTRATION, [p.seq, s.seq]);
    assert.deepEqual(said(v), [EXPECTED_REGISTRATION, 'The device never published 100 on s/us.'], topic);
  }
});

test('registration: s/ds first breaks it; the evidence is the first eight publishes and subscribes', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const shown = [r.subscribe(c, [['s/ds', 1]]).seq];
  r.packet(c, 'in', 'pingreq', {});
  shown.push(r.publish(c, 's/us', '100').seq);
  for (let i = 0; i < 7; i++) shown.push(r.publish(c, 's/us', `200,c8y_T,T,${i}`).seq);
  const v = failed(registeredBeforeSubscribing(r.ctx()), REGISTRATION, shown.slice(0, 8));
  assert.deepEqual(said(v), [EXPECTED_REGISTRATION, 'It subscribed to s/ds first.']);
});

test('registration: no s/ds subscription at all says so', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p = r.publish(c, 's/us', '100');
  const s = r.subscribe(c, [['s/e', 0]]);
  const v = failed(registeredBeforeSubscribing(r.ctx()), REGISTRATION, [p.seq, s.seq]);
  assert.deepEqual(said(v), [EXPECTED_REGISTRATION, 'The device never subscribed to s/ds.']);
});

// ---- refused subscriptions ------------------------------------------------------------------------

test('refused subscriptions: the rule of the first refusal, the count and the topics', () => {
  const r = new RecordBuilder();
  r.connect();
  r.decision('publish-refused', { topic: 's/x', rule: 'topics.publish-unknown', severity: 'violation' });
  kept(noSubscriptionRefused(r.ctx()), SUB_UNKNOWN);
  const a = r.decision('subscription-refused', { topic: 's/ds', rule: REGISTRATION, severity: 'violation' });
  const b = r.decision('subscription-refused', { topic: 'c8y/x', rule: SUB_UNKNOWN, severity: 'violation' });
  const v = failed(noSubscriptionRefused(r.ctx()), REGISTRATION, [a.seq, b.seq]);
  assert.equal(said(v)[1], 'The broker refused 2 subscription(s): s/ds, c8y/x.');
});

test('refused subscriptions: a refusal recorded without a rule falls back to subscribe-unknown', () => {
  const r = new RecordBuilder();
  r.connect();
  const d = r.decision('subscription-refused', { topic: 's/us' });
  const v = failed(noSubscriptionRefused(r.ctx()), SUB_UNKNOWN, [d.seq]);
  assert.equal(said(v)[1], 'The broker refused 1 subscription(s): s/us.');
});

// ---- SUBACK 0x80 (self-check) ---------------------------------------------------------------------

const EXPECTED_SUBACK = '[platform.behaviour, info] SUBACK 0x80 for the subscription, and the connection left open.';

test('SUBACK 0x80: kept with the SUBACK as evidence, whatever happens on other connections', () => {
  const r = new RecordBuilder();
  const h = r.connect('HELPER');
  r.subscribe(h, [['s/us', 1]]);
  const ack = r.packet(h, 'out', 'suback', { messageId: 1, granted: [128] });
  const other = r.connect();
  r.packet(other, 'out', 'suback', { messageId: 1, granted: [1] });
  r.disconnect(other);
  kept(refusedAndOpen(r.ctx(), h), 'platform.behaviour', [ack.seq]);
});

test('SUBACK 0x80: each way it breaks says what happened', () => {
  const none = new RecordBuilder();
  const n = none.connect('HELPER');
  assert.deepEqual(said(refusedAndOpen(none.ctx(), n) as Failed), [EXPECTED_SUBACK, 'No SUBACK was sent.']);
  const partly = new RecordBuilder();
  const p = partly.connect('HELPER');
  partly.packet(p, 'out', 'suback', { messageId: 1, granted: [1, 128] });
  const v = refusedAndOpen(partly.ctx(), p) as Failed;
  assert.deepEqual(said(v), [EXPECTED_SUBACK, 'The subscription was granted.']);
  assert.equal(v.final, false);
  const closed = new RecordBuilder();
  const c = closed.connect('HELPER');
  closed.packet(c, 'out', 'suback', { messageId: 1, granted: [128] });
  closed.disconnect(c);
  assert.deepEqual(said(refusedAndOpen(closed.ctx(), c) as Failed), [EXPECTED_SUBACK, 'Connection c1 was closed.']);
});

// ---- SmartREST escaping -----------------------------------------------------------------------------

const NEEDS_QUOTES = 'the field holds a double quote or carriage return but is not enclosed in double quotes';

test('escaping: the message quotes the line, the topic and the character within that line', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '400,c8y_E,"ok"');
  const e = r.publish(c, 's/us/child', '400,c8y_E,"ok"\n400,c8y_E,say "hi"');
  r.publish(c, 's/us', '400,c8y_E,"a"b');
  const v = failed(escapingRule('needs-quotes').judge(r.ctx()), 'escaping.needs-quotes', [e.seq]);
  assert.equal(
    said(v)[1],
    `The line "400,c8y_E,say \\"hi\\"" on s/us/child has needs-quotes at character 15: ${NEEDS_QUOTES}.`,
  );
});

test('escaping: lines on template collections count, lines on other topics do not', () => {
  const bad = '10,999,GET,MEASUREMENT,,,say "hi"';
  const r = new RecordBuilder();
  const c = r.connect();
  for (const t of ['s/uss', 's/ucr', 'event/events/create']) r.publish(c, t, bad);
  r.publish(c, 's/ds', bad, { dir: 'out' });
  kept(escapingRule('needs-quotes').judge(r.ctx()), 'escaping.needs-quotes', []);
  kept(seedEscaping(r.ctx()), 'escaping.needs-quotes', []);
  const e = r.publish(c, 's/ut/tpl', bad);
  const v = failed(escapingRule('needs-quotes').judge(r.ctx()), 'escaping.needs-quotes', [e.seq]);
  assert.equal(
    said(v)[1],
    `The line ${JSON.stringify(bad)} on s/ut/tpl has needs-quotes at character 30: ${NEEDS_QUOTES}.`,
  );
});

test('escaping: kept, a rule and the seed check show the last three SmartREST lines', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p = ['s/us', 's/us/child', 's/uc/x', 's/ud'].map((t) => r.publish(c, t, '400,c8y_E,"ok"').seq);
  r.publish(c, 's/uss', '400,c8y_E,"ok"');
  kept(escapingRule('doubled-quote').judge(r.ctx()), 'escaping.doubled-quote', p.slice(1));
  kept(seedEscaping(r.ctx()), 'escaping.needs-quotes', p.slice(1));
});

test('seed escaping: a violation wins over a warning found earlier in the record', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '400,c8y_E,"C:\\temp"');
  const e = r.publish(c, 's/us', '400,c8y_E,say "hi"');
  const v = failed(seedEscaping(r.ctx()), 'escaping.needs-quotes', [e.seq]);
  assert.equal(v.severity, 'violation');
});

// ---- s/e answers (self-check) --------------------------------------------------------------------

test('s/e: kept with the matching line as evidence', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/e', '41,100,x', { dir: 'out', qos: 0 });
  const hit = r.publish(c, 's/e', '45,999,y', { dir: 'out', qos: 0 });
  kept(answeredOnSe(r.ctx(), 45), 'platform.behaviour', [hit.seq]);
});

test('s/e: lines on other topics are not answers, and none is said as "none"', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '40,999,x', { dir: 'out', qos: 0 });
  r.publish(c, 's/e', '40,999,x', { qos: 0 });
  r.decision('publish-refused', { topic: 's/x', rule: 'topics.publish-unknown', severity: 'violation' });
  const v = failed(answeredOnSe(r.ctx(), 40), 'platform.behaviour', []);
  assert.deepEqual(said(v), [
    '[platform.behaviour, info] a line with code 40 on s/e to the device.',
    'The device got 0 line(s) on s/e: none.',
  ]);
});

test('s/e: a missing code lists the lines the device got and the SmartREST errors as evidence', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const a = r.publish(c, 's/e', '41,100,x', { dir: 'out', qos: 0 });
  const d = r.decision('smartrest-error', { rule: 'smartrest.parameters', severity: 'violation', answer: '41,100,x' });
  r.decision('publish-refused', { topic: 's/x', rule: 'topics.publish-unknown', severity: 'violation' });
  const b = r.publish(c, 's/e', '45,999,y', { dir: 'out', qos: 0 });
  const v = failed(answeredOnSe(r.ctx(), 40), 'platform.behaviour', [a.seq, b.seq, d.seq]);
  assert.deepEqual(said(v), [
    '[platform.behaviour, info] a line with code 40 on s/e to the device.',
    'The device got 2 line(s) on s/e: 41,100,x | 45,999,y.',
  ]);
});
