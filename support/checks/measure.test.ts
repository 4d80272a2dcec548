// Measurements from hand-made records: answer times from the record's timestamps, the percentile
// against a limit, operations not answered counting as over it, and the evidence quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answersWithin,
  answerTimes,
  lowPercentile,
  measured,
  percentile,
  publishRate,
  requestToPublish,
} from './measure.ts';
import type { RecordEvent } from '../record/events.ts';
import { RecordBuilder } from './test-record.ts';
import type { OperationRef } from './operations.ts';

test('percentile: nearest rank; a missing value counts as infinitely large', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 100), 5);
  assert.equal(percentile([5, 1, 3, 2, 4], 60), 3);
  assert.equal(percentile([5, 1, 3, 2, 4], 1), 1);
  assert.equal(percentile([1, 2, 3], 100, 1), Infinity);
  assert.equal(percentile([1, 2, 3], 75, 1), 3);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(measured('x', 'ms', [1, 9], 0, { max: 5, percentile: 50 }), {
    name: 'x',
    unit: 'ms',
    values: [1, 9],
    missing: 0,
    limit: { max: 5, percentile: 50 },
    at: 1,
    ok: true,
  });
  assert.equal(measured('x', 'ms', [1, 9], 0, { max: 5, percentile: 100 }).ok, false);
  assert.equal(measured('x', 'ms', [1, 9], 0).ok, true, 'no limit: nothing to break');
});

/** operations created at t = 10·i and answered 501 after `delays[i]` ms (undefined: not answered) */
function answered(delays: (number | undefined)[]): { r: RecordBuilder; ops: OperationRef[] } {
  const r = new RecordBuilder();
  const conn = r.connect();
  const ops: OperationRef[] = [];
  delays.forEach((_, i) => {
    const e = r.platform('operation-created', { operationId: String(i + 1), fragment: 'c8y_Restart' });
    (e as { t: number }).t = 1000 * i;
    ops.push({ id: String(i + 1), fragment: 'c8y_Restart', deviceId: 'SN1' });
  });
  delays.forEach((d, i) => {
    if (d === undefined) return;
    const p = r.publish(conn, 's/us', '501,c8y_Restart');
    (p as { t: number }).t = 1000 * i + d;
  });
  r.publish(conn, 's/us', '501,c8y_Command'); // another fragment answers nothing of these
  return { r, ops };
}

test('answer times: from each creation to the next unanswered 501 of its fragment', () => {
  const { r, ops } = answered([120, 80, 300]);
  const a = answerTimes(r.ctx(), ops, 501);
  assert.deepEqual([a.values, a.missing], [[120, 80, 300], 0]);
  const none = answerTimes(r.ctx(), ops, 503);
  assert.deepEqual([none.values, none.missing], [[], 3]);
});

test('answers within: kept at the percentile; broken above it, naming the percentile and the values', () => {
  const { r, ops } = answered([120, 80, 3000]);
  const kept = answersWithin(r.ctx(), ops, 501, { max: 200, percentile: 66 });
  assert.deepEqual([kept.ok, kept.rule, kept.measurement.at], [true, 'performance.limit', 120]);
  const v = answersWithin(r.ctx(), ops, 501, { max: 200, percentile: 90 });
  assert.equal(v.ok, false);
  assert.match(
    !v.ok ? v.message : '',
    /\[performance\.limit, violation\] the device to answer 501 within 200 ms for 90% of 3 operations\.\nAt the 90th percentile it took 3000 ms \(values: 120, 80, 3000\)\./,
  );
  assert.equal(!v.ok && v.final, true, 'every operation answered: it cannot change any more');
});

test('answers within: an operation not answered yet counts as over the limit, and the wait goes on', () => {
  const { r, ops } = answered([120, undefined]);
  const v = answersWithin(r.ctx(), ops, 501, { max: 200, percentile: 100 });
  assert.equal(v.ok, false);
  assert.match(!v.ok ? v.message : '', /took longer than the wait \(not answered\) \(values: 120; 1 not answered\)/);
  assert.equal(!v.ok && v.final, false);
  assert.equal(v.measurement.missing, 1);
});

test('answer limits: 501 or 503 and a share from 1% to 100%, else a clear error', async () => {
  const { answerLimit } = await import('./measure.ts');
  assert.deepEqual(answerLimit(503, 2000, 95), { answer: 503, limit: { max: 2000, percentile: 95 } });
  assert.throws(() => answerLimit(502, 2000, 95), /501 and 503, not 502/);
  assert.throws(() => answerLimit(501, 2000, 0), /1% to 100%, not 0%/);
  assert.throws(() => answerLimit(501, 2000, 101), /1% to 100%, not 101%/);
});

test('a smallest-value limit: p% of the values at least the limit; a missing value counts as 0', () => {
  assert.equal(lowPercentile([5, 1, 3, 2, 4], 100), 1);
  assert.equal(lowPercentile([5, 1, 3, 2, 4], 60), 3);
  assert.equal(lowPercentile([5, 1, 3], 100, 1), 0);
  assert.equal(measured('r', 'msg/s', [6], 0, { min: 5, percentile: 100 }).ok, true);
  assert.equal(measured('r', 'msg/s', [5], 0, { min: 5, percentile: 100 }).ok, true, 'the limit itself is in');
  assert.equal(measured('r', 'msg/s', [4.9], 0, { min: 5, percentile: 100 }).ok, false);
  assert.equal(measured('r', 'msg/s', [], 1, { min: 5, percentile: 100 }).ok, false, 'nothing measured is under it');
});

/** the harness asks for a value at t, the device publishes it `delay` ms later (undefined: never) */
function requests(delays: (number | undefined)[], t0 = 100) {
  const r = new RecordBuilder();
  const c = r.connect();
  const since = r.events.at(-1)!.seq;
  const asked: RecordEvent[] = [];
  const sent: RecordEvent[] = [];
  delays.forEach((d, i) => {
    const value = `${20 + i}.5`;
    const a = r.add('device', { device: 'SN1', action: 'measure', phase: 'start', args: { device: 'SN1', value } });
    (a as { t: number }).t = t0 + 100 * i;
    asked.push(a);
    if (d === undefined) return;
    const p = r.publish(c, 's/us', `211,${value}`, { messageId: i + 1 });
    (p as { t: number }).t = t0 + 100 * i + d;
    sent.push(p);
  });
  return { r, since, asked, sent };
}

test('request to PUBLISH: ms from each request to the PUBLISH with its value; over the limit quotes them', () => {
  const { r, since, asked, sent } = requests([5, 50, 7]);
  const ok = requestToPublish(r.ctx(), since, { max: 50, percentile: 100 });
  assert.deepEqual([ok.ok, ok.measurement.values, ok.measurement.name], [true, [5, 50, 7], 'request to PUBLISH']);
  assert.deepEqual(
    ok.evidence.map((e) => e.seq),
    [asked[0]!.seq, sent[0]!.seq, asked[1]!.seq, sent[1]!.seq, asked[2]!.seq, sent[2]!.seq],
  );
  const over = requestToPublish(r.ctx(), since, { max: 40, percentile: 100 });
  assert.equal(over.ok, false);
  assert.match(over.ok ? '' : over.message, /the 100th percentile it took 50 ms \(values: 5, 50, 7\)/);
  assert.equal(requestToPublish(r.ctx(), since, { max: 40, percentile: 60 }).ok, true, '60% within 40 ms');
});

test('request to PUBLISH: a value never published is missing (not final); an earlier request is not counted', () => {
  const { r, since } = requests([5, undefined]);
  const v = requestToPublish(r.ctx(), since, { max: 1000, percentile: 100 });
  assert.deepEqual([v.ok, v.measurement.missing], [false, 1]);
  assert.equal(!v.ok && v.final, false);
  assert.match(v.ok ? '' : v.message, /longer than the wait \(not sent\)/);
  assert.equal(requestToPublish(r.ctx(), r.events.at(-1)!.seq, { max: 1, percentile: 100 }).ok, false);
  const after = requestToPublish(r.ctx(), r.events.at(-1)!.seq, { max: 1, percentile: 100 });
  assert.deepEqual(after.measurement.values, [], 'nothing requested after the position');
});

test('request to PUBLISH: a PUBLISH with the value on another topic, or a value in the first field, is not it', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.add('device', { device: 'SN1', action: 'measure', phase: 'start', args: { device: 'SN1', value: '211' } });
  r.publish(c, 's/ds', '211,211');
  r.publish(c, 's/us', '211,1');
  const v = requestToPublish(r.ctx(), 0, { max: 1000, percentile: 100 });
  assert.equal(v.measurement.missing, 1);
});

test('rate: PUBLISHes of the requested values a second, at least the limit; too few to measure', () => {
  const { r, since, sent } = requests([1, 1, 1, 1, 1]);
  const fast = publishRate(r.ctx(), since, 5);
  assert.deepEqual([fast.ok, fast.measurement.values, fast.measurement.unit], [true, [10], 'msg/s']);
  assert.deepEqual(
    fast.evidence.map((e) => e.seq),
    [sent[0]!.seq, sent[1]!.seq, sent[4]!.seq],
  );
  const slow = publishRate(r.ctx(), since, 10.5);
  assert.equal(slow.ok, false);
  assert.match(slow.ok ? '' : slow.message, /5 PUBLISHes in 400 ms: 10 a second/);
  assert.equal(!slow.ok && slow.final, true);
  const one = requests([1]);
  const few = publishRate(one.r.ctx(), one.since, 1);
  assert.match(few.ok ? '' : few.message, /Too few of the values were published to measure a rate \(1\)/);
  const waiting = requests([1, 1, undefined]);
  const w = publishRate(waiting.r.ctx(), waiting.since, 100);
  assert.equal(!w.ok && w.final, false, 'a value still to come may change the rate');
});
