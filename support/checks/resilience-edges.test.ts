// The resilience checks and measurements at their edges, as the mutation run asked: exact
// boundaries, the evidence each verdict quotes, the events each ignores, and the names it measures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticedSilence, reconnectsBackOff } from './resilience.ts';
import { answerLimit, answersWithin, measured } from './measure.ts';
import { sessionResumedSince } from './sessions.ts';
import { RecordBuilder } from './test-record.ts';
import type { RecordEvent } from '../record/events.ts';

const at = (e: RecordEvent, t: number) => ((e as { t: number }).t = t);
const msg = (v: { ok: boolean; message?: string }) => (v.ok ? '' : (v.message ?? ''));
const seqs = (v: { evidence: { seq: number }[] }) => v.evidence.map((e) => e.seq);

function lostAt(t: number): { r: RecordBuilder; since: number } {
  const r = new RecordBuilder();
  r.connect();
  const lost = r.add('connection', { action: 'close', conn: 'c1' });
  at(lost, t);
  return { r, since: lost.seq };
}

function attempt(r: RecordBuilder, conn: string, t: number, code: number): RecordEvent[] {
  const c = r.packet(conn, 'in', 'connect', { clientId: 'SN1', keepalive: 60 }, 'SN1');
  at(c, t);
  const a = r.packet(conn, 'out', 'connack', { returnCode: code }, 'SN1');
  at(a, t + 1);
  return [c, a];
}

test('backoff: measured from the loss; a gap equal to the floor passes; the pass quotes the attempts', () => {
  const { r, since } = lostAt(100);
  const [c2] = attempt(r, 'c2', 600, 3);
  const [c3, back] = attempt(r, 'c3', 1000, 0);
  const v = reconnectsBackOff(r.ctx(), since, 400);
  assert.deepEqual([v.ok, seqs(v)], [true, [c2!.seq, c3!.seq, back!.seq]]);
  assert.deepEqual([v.measurement.name, v.measurement.unit, v.measurement.values], ['reconnect time', 'ms', [901]]);
});

test('backoff: a storm quotes the two close attempts; not back quotes every attempt and the expectation', () => {
  const { r, since } = lostAt(0);
  attempt(r, 'c2', 100, 3);
  const [a] = attempt(r, 'c3', 900, 3);
  const [b] = attempt(r, 'c4', 950, 3);
  attempt(r, 'c5', 2000, 0);
  const storm = reconnectsBackOff(r.ctx(), since, 400);
  assert.deepEqual(seqs(storm), [a!.seq, b!.seq]);
  assert.match(msg(storm), /Attempts 2 and 3 came 50 ms apart \(gaps: 800, 50, 1050 ms\)\./);
  const waiting = lostAt(0);
  const [w1] = attempt(waiting.r, 'c2', 500, 3);
  const v = reconnectsBackOff(waiting.r.ctx(), waiting.since, 400);
  assert.deepEqual(seqs(v), [w1!.seq]);
  assert.match(
    msg(v),
    new RegExp(
      'the device back after it lost the link, its attempts at least 400 ms apart\\.\\n' +
        'It has not got back yet: 1 attempt\\(s\\), gaps none ms\\.',
    ),
  );
});

/** keepalive 2 s on c1, black-holed at t=100 */
function hole(): { r: RecordBuilder; connect: RecordEvent; h: RecordEvent } {
  const r = new RecordBuilder();
  r.packet('c0', 'in', 'connect', { clientId: 'SN1', keepalive: 30 }, 'SN1'); // an older connection
  const connect = r.packet('c1', 'in', 'connect', { clientId: 'SN1', keepalive: 2 }, 'SN1');
  r.packet('c1', 'out', 'connack', { returnCode: 0 }, 'SN1');
  r.add('connection', { action: 'close', conn: 'c1' }); // before the hole: not the device noticing
  const h = r.decision('link-blackholed', { conn: 'c1' });
  at(h, 100);
  return { r, connect, h };
}

test('silent link: only the black hole, the connection it names, and a close after it count', () => {
  const { r, h } = hole();
  r.decision('connection-accepted', { conn: 'c9' });
  at(r.add('connection', { action: 'open', conn: 'c1' }), 200);
  at(r.add('connection', { action: 'close', conn: 'c0' }), 300);
  at(r.add('step', { action: 'start', text: 'now' }), 5100);
  const open = noticedSilence(r.ctx(), 2.5);
  assert.match(
    msg(open),
    new RegExp(
      'the device to give up the silent link within 2\\.5 × its keepalive of 2 s \\(5000 ms\\), ' +
        'then connect again\\.\\n' +
        'The link is still open 5000 ms after it went silent\\.',
    ),
  );
  assert.equal(!open.ok && open.final, false, 'exactly at the limit it may still come');
  const close = r.add('connection', { action: 'close', conn: 'c1' });
  at(close, 5100);
  const exact = noticedSilence(r.ctx(), 2.5);
  assert.match(msg(exact), /It closed the link after 5000 ms but has not connected again\./);
  assert.deepEqual(seqs(exact), [h.seq, close.seq]);
  r.packet('c2', 'in', 'connect', { clientId: 'SN1', keepalive: 2 }, 'SN1');
  r.packet('c2', 'out', 'connack', { returnCode: 5 }, 'SN1');
  assert.equal(noticedSilence(r.ctx(), 2.5).ok, false, 'a refused reconnect is not back');
  const back = r.packet('c3', 'out', 'connack', { returnCode: 0 }, 'SN1');
  r.packet('c3', 'in', 'connect', { clientId: 'SN1', keepalive: 2 }, 'SN1');
  const v = noticedSilence(r.ctx(), 2.5);
  assert.deepEqual([v.ok, seqs(v)], [true, [h.seq, close.seq, back.seq]]);
  assert.deepEqual(
    [v.measurement.name, v.measurement.unit, v.measurement.values],
    ['silence noticed after', 'ms', [5000]],
  );
});

test('silent link: late and never-pinging quote their evidence and are final; past the limit open is final', () => {
  const late = hole();
  const close = late.r.add('connection', { action: 'close', conn: 'c1' });
  at(close, 5101);
  const v = noticedSilence(late.r.ctx(), 2.5);
  assert.deepEqual([seqs(v), !v.ok && v.final], [[late.h.seq, close.seq], true]);
  assert.match(msg(v), /It closed the link 5001 ms after it went silent\./);
  const open = hole();
  at(open.r.add('step', { action: 'start', text: 'now' }), 5101);
  const o = noticedSilence(open.r.ctx(), 2.5);
  assert.deepEqual([seqs(o), !o.ok && o.final], [[open.connect.seq, open.h.seq], true]);
  const r = new RecordBuilder();
  const c = r.packet('c1', 'in', 'connect', { clientId: 'SN1', keepalive: 0 }, 'SN1');
  const h = r.decision('link-blackholed', { conn: 'c1' });
  const never = noticedSilence(r.ctx(), 2);
  assert.deepEqual([seqs(never), !never.ok && never.final], [[c.seq, h.seq], true]);
  const none = noticedSilence(new RecordBuilder().ctx(), 2);
  assert.match(msg(none), /No link was black-holed\./);
  assert.deepEqual([none.measurement.values, none.measurement.missing], [[], 1]);
});

test('answer times: only s/us lines count, a line among others counts, names and limits at their edges', () => {
  const r = new RecordBuilder();
  const conn = r.connect();
  const created = r.platform('operation-created', { operationId: '1', fragment: 'c8y_Restart' });
  at(created, 0);
  at(r.publish(conn, 's/uc/x', '501,c8y_Restart'), 10);
  at(r.publish(conn, 's/us', '400,c8y_E,t\n501,c8y_Restart'), 40);
  const op = { id: '1', fragment: 'c8y_Restart', deviceId: 'SN1' };
  const v = answersWithin(r.ctx(), [op], 501, { max: 40, percentile: 100 });
  assert.deepEqual(
    [v.ok, v.measurement.name, v.measurement.unit, v.measurement.values],
    [true, 'time to 501', 'ms', [40]],
  );
  const none = answersWithin(r.ctx(), [op], 503, { max: 40, percentile: 100 });
  assert.match(msg(none), /\(values: none; 1 not answered\)/);
  assert.equal(measured('x', 'ms', [5], 0, { max: 5, percentile: 100 }).ok, true, 'at the limit is within it');
  assert.deepEqual(answerLimit(501, 10, 1).limit.percentile, 1);
  assert.deepEqual(answerLimit(501, 10, 100).limit.percentile, 100);
});

test('session resumed: a refusal names its CONNACK and the expectation', () => {
  const r = new RecordBuilder();
  r.connect();
  r.packet('c2', 'in', 'connect', { clientId: 'SN1', clean: false }, 'SN1');
  const ack = r.packet('c2', 'out', 'connack', { returnCode: 0, sessionPresent: false }, 'SN1');
  const v = sessionResumedSince(r.ctx(), 4);
  assert.deepEqual(seqs(v), [ack.seq]);
  assert.match(msg(v), /the broker to resume the device's session on its reconnect \(CONNACK session present 1\)\./);
});

test('backoff: at most N attempts a minute, over any 60 s from an attempt on; more is final with the crowd', () => {
  const { r, since } = lostAt(0);
  const conns = ['c2', 'c3', 'c4', 'c5'];
  const times = [1000, 31_000, 60_000, 60_900];
  const attempts = conns.map((conn, i) => attempt(r, conn, times[i]!, i === 3 ? 0 : 3)[0]!);
  const v = reconnectsBackOff(r.ctx(), since, 200, 3);
  assert.equal(v.ok, false);
  assert.match(msg(v), /made 4 attempts within 59900 ms/);
  assert.deepEqual(
    seqs(v),
    attempts.map((a) => a.seq),
  );
  assert.equal(reconnectsBackOff(r.ctx(), since, 200, 4).ok, true, 'four within the minute are allowed at 4');
  const spread = lostAt(0);
  [1000, 31_000, 61_000, 61_500].forEach((t, i) => attempt(spread.r, `c${i + 2}`, t, i === 3 ? 0 : 3));
  assert.equal(reconnectsBackOff(spread.r.ctx(), spread.since, 200, 3).ok, true, '61 000 is outside the first minute');
});

test("backoff: the harness's rival client, though it names the device, is not one of the device's attempts", () => {
  const { r, since } = lostAt(0);
  const [rival] = attempt(r, 'c2', 100, 0);
  (rival!.packet as { clientId: string }).clientId = 'd:SN1:rival';
  r.add('step', { action: 'harness-client', conn: 'c2' });
  const [own, back] = attempt(r, 'c3', 150, 0);
  const v = reconnectsBackOff(r.ctx(), since, 200);
  assert.deepEqual([v.ok, seqs(v)], [true, [own!.seq, back!.seq]], 'counted, the rival would be 50 ms before it');
});

test('backoff: the intervals between attempts are a second measurement, each at least the floor', () => {
  const { r, since } = lostAt(0);
  attempt(r, 'c2', 500, 3);
  attempt(r, 'c3', 1500, 0);
  const v = reconnectsBackOff(r.ctx(), since, 400);
  const [intervals] = v.also ?? [];
  assert.deepEqual(
    [intervals?.name, intervals?.values, intervals?.limit, intervals?.ok],
    ['backoff intervals', [1000], { min: 400, percentile: 100 }, true],
  );
  const storm = lostAt(0);
  attempt(storm.r, 'c2', 500, 3);
  attempt(storm.r, 'c3', 520, 0);
  assert.equal(reconnectsBackOff(storm.r.ctx(), storm.since, 400).also?.[0]?.ok, false);
  const once = lostAt(0);
  attempt(once.r, 'c2', 500, 0);
  const single = reconnectsBackOff(once.r.ctx(), once.since, 400).also?.[0];
  assert.deepEqual([single?.values, single?.ok, single?.limit], [[], true, undefined], 'one attempt: nothing to judge');
});
