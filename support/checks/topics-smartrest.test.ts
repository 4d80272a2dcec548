// The topic and SmartREST rules over hand-made records: each kept, and broken in each way it can be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSIVE as SMARTREST, answeredOnSe, escapingRule, seedEscaping } from './smartrest.ts';
import {
  PASSIVE as TOPICS,
  noSubscriptionRefused,
  publishedToKnownTopics,
  refusedAndOpen,
  registeredBeforeSubscribing,
  noJsonViaMqtt,
} from './topics.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const broke = (v: Verdict, rule: string, seqs: number[] = []) => assert.equal(brokeRule(v, rule, seqs), undefined);
const kept = (v: Verdict, rule: string) => assert.deepEqual([v.ok, v.rule], [true, rule]);
const topicRule = (id: string) => TOPICS.find((r) => r.id === id)!;

test('subscriptions: to publish topics (and wildcards reaching them) and to unknown topics break their rules', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.subscribe(c, [
    ['s/ds', 1],
    ['s/e', 0],
    ['s/dc/x', 1],
    ['s/dt', 1],
    ['error', 1],
  ]);
  kept(topicRule('topics.subscribe-publish-topic').judge(r.ctx()), 'topics.subscribe-publish-topic');
  kept(topicRule('topics.subscribe-unknown').judge(r.ctx()), 'topics.subscribe-unknown');
  kept(noSubscriptionRefused(r.ctx()), 'topics.subscribe-unknown');
  for (const [topic, rule] of [
    ['s/us', 'topics.subscribe-publish-topic'],
    ['#', 'topics.subscribe-publish-topic'],
    ['s/uc/x', 'topics.subscribe-publish-topic'],
    ['c8y/ds', 'topics.subscribe-unknown'],
  ] as const) {
    const b = new RecordBuilder();
    const e = b.subscribe(b.connect(), [
      ['s/e', 0],
      [topic, 1],
    ]);
    broke(topicRule(rule).judge(b.ctx()), rule, [e.seq]);
    const other = rule === 'topics.subscribe-unknown' ? 'topics.subscribe-publish-topic' : 'topics.subscribe-unknown';
    kept(topicRule(other).judge(b.ctx()), other);
  }
  const boot = new RecordBuilder();
  boot.connect();
  const refused = boot.decision('subscription-refused', {
    topic: 's/ds',
    rule: 'topics.subscribe-unknown',
    severity: 'violation',
  });
  broke(topicRule('topics.subscribe-unknown').judge(boot.ctx()), 'topics.subscribe-unknown', [refused.seq]);
  broke(noSubscriptionRefused(boot.ctx()), 'topics.subscribe-unknown', [refused.seq]);
});

test("registration before s/ds: from the packets (the step) and from the platform's refusal (the audit)", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const reg = r.publish(c, 's/us', '100');
  const sub = r.subscribe(c, [['s/ds', 1]]);
  kept(registeredBeforeSubscribing(r.ctx()), 'topics.subscribe-before-registration');
  kept(topicRule('topics.subscribe-before-registration').judge(r.ctx()), 'topics.subscribe-before-registration');
  const early = new RecordBuilder();
  const e = early.connect();
  const s = early.subscribe(e, [['s/ds', 1]]);
  const d = early.decision('subscription-refused', {
    topic: 's/ds',
    rule: 'topics.subscribe-before-registration',
    severity: 'violation',
  });
  early.publish(e, 's/us', '100');
  broke(registeredBeforeSubscribing(early.ctx()), 'topics.subscribe-before-registration', [s.seq]);
  broke(topicRule('topics.subscribe-before-registration').judge(early.ctx()), 'topics.subscribe-before-registration', [
    d.seq,
  ]);
  const never = new RecordBuilder();
  never.subscribe(never.connect(), [['s/ds', 1]]);
  assert.match((registeredBeforeSubscribing(never.ctx()) as { message: string }).message, /never published 100/);
  const noSub = new RecordBuilder();
  noSub.publish(noSub.connect(), 's/us', '100');
  assert.match((registeredBeforeSubscribing(noSub.ctx()) as { message: string }).message, /never subscribed to s\/ds/);
  assert.ok(reg.seq < sub.seq);
});

test('publishes: topics outside SPEC 3 break topics.publish-unknown; JSON via MQTT is a warning', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  for (const t of ['s/us', 's/us/child', 't/us', 's/uc/x', 's/ud', 's/ut/x', 's/ucr', 's/uat']) r.publish(c, t, '');
  kept(publishedToKnownTopics(r.ctx()), 'topics.publish-unknown');
  kept(noJsonViaMqtt(r.ctx()), 'topics.json-via-mqtt');
  const bad = r.publish(c, 's/uss', '211,1');
  broke(publishedToKnownTopics(r.ctx()), 'topics.publish-unknown', [bad.seq]);
  const boot = new RecordBuilder();
  boot.connect();
  const d = boot.decision('publish-refused', { topic: 's/us', rule: 'topics.publish-unknown', severity: 'violation' });
  broke(publishedToKnownTopics(boot.ctx()), 'topics.publish-unknown', [d.seq]);
  const json = new RecordBuilder();
  const j = json.connect();
  const p = json.publish(j, 'event/events/create', '{}');
  const v = noJsonViaMqtt(json.ctx());
  broke(v, 'topics.json-via-mqtt', [p.seq]);
  assert.equal((v as { severity: string }).severity, 'warning');
  const sub = new RecordBuilder();
  const s = sub.subscribe(sub.connect(), [['devicecontrol/notifications', 1]]);
  broke(noJsonViaMqtt(sub.ctx()), 'topics.json-via-mqtt', [s.seq]);
});

test('SUBACK 0x80 with the connection left open (a self-check of the lab)', () => {
  const r = new RecordBuilder();
  const c = r.connect('HELPER');
  r.subscribe(c, [['s/us', 1]]);
  broke(refusedAndOpen(r.ctx(), c), 'platform.behaviour');
  const ack = r.packet(c, 'out', 'suback', { messageId: 1, granted: [128] });
  kept(refusedAndOpen(r.ctx(), c), 'platform.behaviour');
  r.add('connection', { action: 'close', conn: c });
  const v = refusedAndOpen(r.ctx(), c);
  broke(v, 'platform.behaviour', [ack.seq]);
  assert.equal((v as { final: boolean }).final, true);
  const granted = new RecordBuilder();
  const g = granted.connect('HELPER');
  granted.packet(g, 'out', 'suback', { messageId: 1, granted: [1] });
  assert.match((refusedAndOpen(granted.ctx(), g) as { message: string }).message, /was granted/);
});

test('escaping: each finding breaks its own rule; warnings fail only a strict run', () => {
  const lines: [string, string][] = [
    ['needs-quotes', '400,c8y_E,say "hi"'],
    ['unbalanced-quote', '400,c8y_E,"open'],
    ['text-after-quote', '400,c8y_E,"a"b'],
    ['doubled-quote', '400,c8y_E,"say ""hi"""'],
    ['stray-backslash', '400,c8y_E,"C:\\temp"'],
    ['unquoted-whitespace', '400,c8y_E, padded '],
  ];
  const good = new RecordBuilder();
  good.publish(good.connect(), 's/us', '400,c8y_E,"a,b \\"c\\""\n400,c8y_E,"back\\\\slash"');
  kept(seedEscaping(good.ctx()), 'escaping.needs-quotes');
  for (const [code, line] of lines) {
    const r = new RecordBuilder();
    const c = r.connect();
    r.publish(c, 's/ds', line, { dir: 'out' });
    kept(escapingRule(code as never).judge(r.ctx()), `escaping.${code}`);
    const e = r.publish(c, 's/us', line);
    const v = escapingRule(code as never).judge(r.ctx());
    broke(v, `escaping.${code}`, [e.seq]);
    const warning = code === 'stray-backslash' || code === 'unquoted-whitespace';
    assert.equal(finding(seedEscaping(r.ctx())), warning ? 'warning' : 'violation', code);
    assert.equal(finding(seedEscaping(r.ctx({ strict: true }))), 'violation', code);
  }
  const custom = new RecordBuilder();
  const e = custom.publish(custom.connect(), 's/uc/xid', 'm1,say "hi"');
  broke(escapingRule('needs-quotes').judge(custom.ctx()), 'escaping.needs-quotes', [e.seq]);
});

function finding(v: Verdict): string {
  return v.ok ? 'none' : v.severity;
}

test('s/e answers and the rules the platform decides about SmartREST lines', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  broke(answeredOnSe(r.ctx(), 40), 'platform.behaviour');
  r.publish(c, 's/e', '40,999,No static template for this message id', { dir: 'out', qos: 0 });
  kept(answeredOnSe(r.ctx(), 40), 'platform.behaviour');
  broke(answeredOnSe(r.ctx(), 45), 'platform.behaviour');
  for (const id of [
    'smartrest.unknown-template',
    'smartrest.parameters',
    'custom.bad-template',
    'custom.unknown-collection',
    'custom.unknown-message',
    'custom.parameters',
    'custom.collection-exists',
    'jwt.password-device',
  ]) {
    const rule = SMARTREST.find((x) => x.id === id)!;
    kept(rule.judge(r.ctx()), id);
    const b = new RecordBuilder();
    b.connect();
    const d = b.decision('smartrest-error', { rule: id, severity: 'violation', answer: '40,1,x', reason: 'x' });
    broke(rule.judge(b.ctx()), id, [d.seq]);
  }
});
