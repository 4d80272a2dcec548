// Measurements from hand-made records: answer times from the record's timestamps, the percentile
// against a limit, operations not answered counting as over it, and the evidence quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answersWithin, answerTimes, measured, percentile } from './measure.ts';
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
