// The resilience checks over hand-made records: attempts spaced or storming, a device that never
// got back, a silent link noticed in time, too late, never (keepalive 0) or not yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticedSilence, reconnectsBackOff } from './resilience.ts';
import { RecordBuilder } from './test-record.ts';
import type { RecordEvent } from '../record/events.ts';

const at = (e: RecordEvent, t: number) => ((e as { t: number }).t = t);
const msg = (v: { ok: boolean; message?: string }) => (v.ok ? '' : (v.message ?? ''));

/** a lost link at t=0, then attempts at these times, the last answered by `lastCode` */
function attempts(times: number[], lastCode = 0): { r: RecordBuilder; since: number } {
  const r = new RecordBuilder();
  r.connect();
  const lost = r.add('connection', { action: 'close', conn: 'c1' });
  at(lost, 0);
  times.forEach((t, i) => {
    const conn = `c${i + 2}`;
    const c = r.packet(conn, 'in', 'connect', { clientId: 'SN1', keepalive: 60 }, 'SN1');
    at(c, t);
    const a = r.packet(conn, 'out', 'connack', { returnCode: i === times.length - 1 ? lastCode : 3 }, 'SN1');
    at(a, t + 1);
  });
  return { r, since: lost.seq };
}

test('backoff: attempts spaced at least the floor and the device back passes, with the reconnect time', () => {
  const { r, since } = attempts([500, 1500, 3500]);
  const v = reconnectsBackOff(r.ctx(), since, 400);
  assert.deepEqual([v.ok, v.rule, v.measurement.values], [true, 'resilience.reconnect-backoff', [3501]]);
});

test('backoff: two attempts closer than the floor break it finally, naming them', () => {
  const { r, since } = attempts([500, 520, 3000]);
  const v = reconnectsBackOff(r.ctx(), since, 400);
  assert.equal(v.ok, false);
  assert.match(msg(v), /Attempts 1 and 2 came 20 ms apart \(gaps: 20, 2480 ms\)\./);
  assert.equal(!v.ok && v.final, true);
});

test('backoff: not back yet is named, and the wait goes on', () => {
  const { r, since } = attempts([500, 1500], 3);
  const v = reconnectsBackOff(r.ctx(), since, 400);
  assert.match(msg(v), /It has not got back yet: 2 attempt\(s\), gaps 1000 ms\./);
  assert.equal(!v.ok && v.final, false);
  assert.deepEqual([v.measurement.values, v.measurement.missing], [[], 1]);
});

/** connected with this keepalive, black-holed at t=100, closed by the device at `closedAt`, back after */
function silent(keepalive: number, closedAt?: number, back = true): RecordBuilder {
  const r = new RecordBuilder();
  r.packet('c1', 'in', 'connect', { clientId: 'SN1', keepalive }, 'SN1');
  r.packet('c1', 'out', 'connack', { returnCode: 0 }, 'SN1');
  at(r.decision('link-blackholed', { conn: 'c1' }), 100);
  if (closedAt !== undefined) {
    at(r.add('connection', { action: 'close', conn: 'c1' }), closedAt);
    if (back) {
      r.packet('c2', 'in', 'connect', { clientId: 'SN1', keepalive }, 'SN1');
      at(r.packet('c2', 'out', 'connack', { returnCode: 0 }, 'SN1'), closedAt + 600);
    }
  }
  return r;
}

test('silent link: closed within the factor × keepalive and back passes, measured from the black hole', () => {
  const v = noticedSilence(silent(2, 3000).ctx(), 1.5);
  assert.deepEqual(
    [v.ok, v.rule, v.measurement.at, v.measurement.limit?.max],
    [true, 'resilience.link-noticed', 2900, 3000],
  );
});

test('silent link: too late, never pinging, still open past the limit, or not back: each named', () => {
  const late = noticedSilence(silent(2, 5200).ctx(), 2);
  assert.match(msg(late), /It closed the link 5100 ms after it went silent\./);
  assert.equal(!late.ok && late.final, true);
  const never = noticedSilence(silent(0).ctx(), 2);
  assert.match(msg(never), /keepalive 0: it never pings/);
  const open = silent(2);
  at(open.add('step', { action: 'start', text: 'later' }), 4200);
  const stillOpen = noticedSilence(open.ctx(), 2);
  assert.match(msg(stillOpen), /still open 4100 ms after it went silent/);
  assert.equal(!stillOpen.ok && stillOpen.final, true);
  const notBack = noticedSilence(silent(2, 3000, false).ctx(), 2);
  assert.match(msg(notBack), /closed the link after 2900 ms but has not connected again/);
  assert.equal(!notBack.ok && notBack.final, false);
  assert.equal(noticedSilence(new RecordBuilder().ctx(), 2).rule, 'platform.behaviour', 'no black hole: the lab');
});

test('session resumed: the first accepted reconnect says session present; absent or not back is named', async () => {
  const { sessionResumedSince } = await import('./sessions.ts');
  const r = new RecordBuilder();
  r.connect();
  const since = r.events.at(-1)!.seq;
  assert.match(msg(sessionResumedSince(r.ctx(), since)), /It has not connected again\./);
  r.packet('c2', 'in', 'connect', { clientId: 'SN1', clean: false }, 'SN1');
  r.packet('c2', 'out', 'connack', { returnCode: 3, sessionPresent: false }, 'SN1');
  r.packet('c3', 'in', 'connect', { clientId: 'SN1', clean: false }, 'SN1');
  const present = r.packet('c3', 'out', 'connack', { returnCode: 0, sessionPresent: true }, 'SN1');
  const v = sessionResumedSince(r.ctx(), since);
  assert.deepEqual([v.ok, v.rule, v.evidence.map((e) => e.seq)], [true, 'platform.behaviour', [present.seq]]);
  const lost = new RecordBuilder();
  lost.connect();
  lost.packet('c2', 'in', 'connect', { clientId: 'SN1', clean: false }, 'SN1');
  lost.packet('c2', 'out', 'connack', { returnCode: 0, sessionPresent: false }, 'SN1');
  const l = sessionResumedSince(lost.ctx(), 4);
  assert.match(msg(l), /Its CONNACK says no session was present\./);
  assert.equal(!l.ok && l.final, true);
});
