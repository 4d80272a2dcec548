// The audit over a whole record, and waits that wake when the record grows and stop at a final failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordEvent } from '../record/events.ts';
import { RULES } from '../rules.ts';
import { audit, devicesIn, formatAudit, PASSIVE_RULES } from './audit.ts';
import { RecordBuilder } from './test-record.ts';
import { broken, pass, type Verdict } from './verdict.ts';
import { throughout, within, type GrowingRecord } from './waiting.ts';

test('every passive rule is in the rulebook once; the audit of a correct device has no finding', () => {
  const ids = PASSIVE_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(
    ids.filter((id) => !RULES.has(id)),
    [],
  );
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '100');
  r.subscribe(c, [['s/ds', 1]]);
  r.disconnect(c);
  const a = audit(r.ctx());
  assert.deepEqual([a.violations, a.warnings], [[], []]);
  assert.ok(a.rows.every((x) => x.outcome === 'pass' || x.outcome === 'n/a'));
});

test('violations, warnings and expected rules: each row says its outcome with evidence', () => {
  const r = new RecordBuilder();
  const c = r.connect('SN1', { clean: false, will: true });
  r.publish(c, 's/us', '400,c8y_E,"say ""hi"""');
  r.subscribe(c, [['s/us', 1]]);
  const a = audit(r.ctx(), new Set(['topics.subscribe-publish-topic']));
  const outcome = (id: string) => a.rows.find((x) => x.rule === id)!.outcome;
  assert.equal(outcome('escaping.doubled-quote'), 'violation');
  assert.equal(outcome('topics.subscribe-publish-topic'), 'expected');
  assert.equal(outcome('connect.last-will'), 'warning');
  assert.equal(outcome('sessions.clean-session-0'), 'warning');
  assert.equal(outcome('qos.as-configured'), 'n/a');
  assert.deepEqual(
    a.violations.map((v) => v.rule),
    ['escaping.doubled-quote'],
  );
  assert.equal(a.rows.find((x) => x.rule === 'escaping.doubled-quote')!.evidence[0]!.seq, 5);
  const strict = audit(r.ctx({ strict: true }));
  assert.deepEqual(strict.violations.map((v) => v.rule).sort(), [
    'connect.last-will',
    'escaping.doubled-quote',
    'sessions.clean-session-0',
    'topics.subscribe-publish-topic',
  ]);
  const text = formatAudit(a);
  assert.match(text, /Audit of device 'SN1': 1 violation\(s\), 2 warning\(s\)/);
  assert.match(text, /escaping\.doubled-quote\s+VIOLATION A double quote inside a quoted field/);
  assert.match(text, /#5 .* device → broker PUBLISH on s\/us QoS 1 .* \(event\) \[doubled-quote, doubled-quote\]/);
  assert.doesNotMatch(text, /clientid\.format/);
  assert.match(formatAudit(a, { all: true }), /clientid\.format\s+ok/);
});

test('devicesIn: every device that connected, by the identifier its ClientId names', () => {
  const r = new RecordBuilder();
  r.connect('SN1');
  r.connect('d:SN2:tpl');
  r.connect('x:SN3');
  r.connect('d:SN1');
  assert.deepEqual(devicesIn(r.events), ['SN1', 'SN2', 'SN3']);
});

/** a record that grows when told to, and wakes waiters as the writer does */
function growing(): GrowingRecord & { push(e: RecordEvent): void; wakes: number } {
  const events: RecordEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    wakes: 0,
    events: () => events,
    written(ms) {
      this.wakes++;
      return new Promise<void>((r) => {
        wake = r;
        setTimeout(r, ms);
      });
    },
    push(e) {
      events.push(e);
      wake?.();
    },
  };
}

const has =
  (seq: number) =>
  (events: readonly RecordEvent[]): Verdict =>
    events.some((e) => e.seq === seq)
      ? pass('platform.data')
      : broken('platform.data', {}, `no #${seq} yet`, events, { final: events.some((e) => e.seq > seq) });

test('within: judged again as the record grows; passes as soon as it holds; a final failure ends the wait early', async () => {
  const rec = growing();
  setTimeout(() => rec.push({ seq: 1, t: 0, wall: '', kind: 'x' }), 20);
  const started = Date.now();
  assert.equal((await within(rec, 5000, has(1))).ok, true);
  assert.ok(Date.now() - started < 2000, 'it woke when the record grew, not at the deadline');
  setTimeout(() => rec.push({ seq: 3, t: 0, wall: '', kind: 'x' }), 20);
  const v = await within(rec, 5000, has(2));
  assert.equal(v.ok, false);
  assert.match((v as { message: string }).message, /^Finally \(it cannot change any more\)/);
  assert.ok(Date.now() - started < 3000);
  const late = await within(rec, 50, has(9));
  assert.match((late as { message: string }).message, /^Within 50 ms: /);
});

test('throughout: must hold each time the record grows, for the whole window', async () => {
  const rec = growing();
  assert.equal(
    (
      await throughout(rec, 60, (ev) =>
        ev.length === 0 ? pass('platform.behaviour') : broken('platform.behaviour', {}, 'grew', ev),
      )
    ).ok,
    true,
  );
  setTimeout(() => rec.push({ seq: 1, t: 0, wall: '', kind: 'x' }), 20);
  const v = await throughout(rec, 5000, (ev) =>
    ev.length === 0 ? pass('platform.behaviour') : broken('platform.behaviour', {}, 'grew', ev),
  );
  assert.match((v as { message: string }).message, /^Throughout 5000 ms: /);
});
