// resilience.no-resend-loop and resilience.rate-slowdown over hand-made records: a refused line sent
// again too often or within the allowance; cut for the rate too often, back or not, never over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rateSlowedDown, refusedNotRepeated } from './resilience.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const msg = (v: Verdict) => (v.ok ? '' : v.message);
const fin = (v: Verdict) => !v.ok && v.final === true;

function refusedOnce() {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '211,22.5', { messageId: 1 });
  const refusal = r.decision('smartrest-error', { conn: c, code: 41, templateId: '211', line: '211,22.5' });
  return { r, c, refusal };
}

test('a refused line sent again more than allowed: the refusal and the repeats as evidence, final', () => {
  const { r, c, refusal } = refusedOnce();
  const again = [2, 3, 4].map((id) => r.publish(c, 's/us', '211,22.5', { messageId: id }));
  const v = refusedNotRepeated(r.ctx(), 2);
  assert.equal(brokeRule(v, 'resilience.no-resend-loop', [refusal.seq, again[0]!.seq, again[2]!.seq]), undefined);
  assert.equal(fin(v), true);
  assert.match(msg(v), /"211,22\.5" was refused, then sent 3 times more/);
});

test('sent again as often as allowed, inside a batch of lines too: passes', () => {
  const { r, c } = refusedOnce();
  r.publish(c, 's/us', '211,22.5', { messageId: 2 });
  r.publish(c, 's/us', '400,e,t\n211,22.5', { messageId: 3 });
  assert.equal(refusedNotRepeated(r.ctx(), 2).ok, true);
  assert.equal(refusedNotRepeated(r.ctx(), 1).ok, false, 'the line inside the batch counts');
});

test('MQTT resends (DUP) and other lines are not repeats; lines before the refusal do not count', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '211,22.5', { messageId: 1 });
  r.publish(c, 's/us', '211,22.5', { messageId: 2 });
  r.decision('smartrest-error', { conn: c, code: 41, templateId: '211', line: '211,22.5' });
  r.publish(c, 's/us', '211,22.5', { messageId: 1, dup: true });
  r.publish(c, 's/us', '211,23.5', { messageId: 3 });
  r.publish(c, 's/us', '211,22.50', { messageId: 4 });
  assert.equal(refusedNotRepeated(r.ctx(), 0).ok, true);
});

test("another device's refusal is not this one's; nothing refused yet is the platform's, not final", () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.add('decision', { decision: 'smartrest-error', deviceId: 'OTHER', conn: 'c9', line: '211,1' });
  r.publish(c, 's/us', '211,1', { messageId: 1 });
  r.publish(c, 's/us', '211,1', { messageId: 2 });
  const v = refusedNotRepeated(r.ctx(), 0);
  assert.equal(brokeRule(v, 'platform.behaviour'), undefined);
  assert.equal(fin(v), false);
  assert.match(msg(v), /refused nothing yet/);
});

// ---- resilience.rate-slowdown --------------------------------------------------------------

function cut(r: RecordBuilder, conn: string) {
  return r.decision('rate-limit-disconnect', { conn, topic: 's/us' });
}

test('rate: cut twice (two decisions on one connection count once): passes at most 2, quoting the cuts', () => {
  const r = new RecordBuilder();
  const c1 = r.connect();
  const first = cut(r, c1);
  cut(r, c1);
  const second = cut(r, r.connect());
  const v = rateSlowedDown(r.ctx(), 2);
  assert.deepEqual([v.ok, v.evidence.map((e) => e.seq)], [true, [first.seq, second.seq]]);
});

test('rate: cut more often than allowed is final, quoting the cuts', () => {
  const r = new RecordBuilder();
  const cuts = [0, 1, 2].map(() => cut(r, r.connect()));
  const v = rateSlowedDown(r.ctx(), 2);
  assert.equal(
    brokeRule(
      v,
      'resilience.rate-slowdown',
      cuts.map((e) => e.seq),
    ),
    undefined,
  );
  assert.equal(fin(v), true);
  assert.match(msg(v), /disconnected for its rate 3 times in 8 ms/);
  assert.equal(rateSlowedDown(r.ctx(), 3).ok, true);
});

test("rate: never over the limit passes; another device's cuts are not this one's", () => {
  const r = new RecordBuilder();
  r.connect();
  r.add('decision', { decision: 'rate-limit-disconnect', deviceId: 'OTHER', conn: 'c9' });
  r.add('decision', { decision: 'rate-limit-disconnect', deviceId: 'OTHER', conn: 'c8' });
  assert.equal(rateSlowedDown(r.ctx(), 0).ok, true);
});
