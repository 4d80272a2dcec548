// Measurements, as OpenHTF keeps them: a name, a unit, the values (from the record's timestamps,
// never from sleeps), a limit the scenario states, and the verdict against it. A measurement
// outside its limit breaks performance.limit with the values as evidence.
import type { RecordEvent } from '../record/events.ts';
import { devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import type { OperationRef } from './operations.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

/** a limit at a percentile: a largest value (times), or a smallest one (rates) */
export type Limit =
  | {
      /** the largest value allowed, at the percentile (100: every value) */
      max: number;
      percentile: number;
      min?: undefined;
    }
  | {
      /** the smallest value allowed: `percentile` % of the values are at least this (100: every value) */
      min: number;
      percentile: number;
      max?: undefined;
    };

export interface Measurement {
  name: string;
  unit: string;
  values: number[];
  /** values still missing (an operation not answered yet): they count as over the limit */
  missing: number;
  limit?: Limit;
  /** the value at the limit's percentile */
  at?: number;
  ok: boolean;
}

export type MaxLimit = Extract<Limit, { max: number }>;

/** a step's limit on answer times, checked: 501 or 503, a share from 1% to 100% */
export function answerLimit(code: number, maxMs: number, share: number): { answer: 501 | 503; limit: MaxLimit } {
  if (code !== 501 && code !== 503) throw new Error(`the answer times measured are 501 and 503, not ${code}`);
  if (share < 1 || share > 100) throw new Error(`a share of the operations is 1% to 100%, not ${share}%`);
  return { answer: code, limit: { max: maxMs, percentile: share } };
}

/** the value below which p% of the values lie (nearest rank); missing values count as infinitely large */
export function percentile(values: readonly number[], p: number, missing = 0): number {
  const all = [...values, ...Array<number>(missing).fill(Infinity)].sort((a, b) => a - b);
  if (all.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * all.length));
  return all[rank - 1]!;
}

/** the value above which p% of the values lie (for a smallest-value limit); missing values count as 0 */
export function lowPercentile(values: readonly number[], p: number, missing = 0): number {
  return -percentile(
    [...values, ...Array<number>(missing).fill(0)].map((v) => -v),
    p,
  );
}

export function measured(name: string, unit: string, values: number[], missing: number, limit?: Limit): Measurement {
  if (!limit) return { name, unit, values, missing, ok: true };
  if (limit.min !== undefined) {
    const at = lowPercentile(values, limit.percentile, missing);
    return { name, unit, values, missing, limit, at, ok: at >= limit.min };
  }
  const at = percentile(values, limit.percentile, missing);
  return { name, unit, values, missing, limit, at, ok: at <= limit.max };
}

const created = (c: Ctx, op: OperationRef) =>
  c.events.find((e) => e.kind === 'platform' && e.change === 'operation-created' && String(e.operationId) === op.id);

/** the device's first PUBLISH after `since` with a line starting `<code>,<fragment>` */
function answer(c: Ctx, since: number, code: number, fragment: string, taken: Set<number>): RecordEvent | undefined {
  return devicePackets(c.events, c.deviceId, 'publish', 'in').find(
    (e) =>
      e.seq > since &&
      !taken.has(e.seq) &&
      topicOf(e).startsWith('s/us') &&
      parsePayload(payloadOf(e)).some((l) => l.fields[0] === String(code) && l.fields[1] === fragment),
  );
}

/** ms from each operation's creation to the device's <code> line for it (oldest answer first) */
export function answerTimes(
  c: Ctx,
  ops: readonly OperationRef[],
  code: 501 | 503,
): { values: number[]; missing: number; events: RecordEvent[] } {
  const taken = new Set<number>();
  const values: number[] = [];
  const events: RecordEvent[] = [];
  let missing = 0;
  for (const op of ops) {
    const from = created(c, op);
    const to = from && answer(c, from.seq, code, op.fragment, taken);
    if (!from || !to) {
      missing++;
      continue;
    }
    taken.add(to.seq);
    values.push(Math.round((to.t - from.t) * 10) / 10);
    events.push(from, to);
  }
  return { values, missing, events };
}

/** the device answered <code> within the limit for the stated share of the operations */
export function answersWithin(
  c: Ctx,
  ops: readonly OperationRef[],
  code: 501 | 503,
  limit: MaxLimit,
): Verdict & { measurement: Measurement } {
  const a = answerTimes(c, ops, code);
  const m = measured(`time to ${code}`, 'ms', a.values, a.missing, limit);
  if (m.ok) return { ...pass('performance.limit', a.events), measurement: m };
  const shown = a.values.map((v) => `${v}`).join(', ');
  return {
    ...broken(
      'performance.limit',
      c,
      `At the ${limit.percentile}th percentile it took ` +
        `${m.at === Infinity ? 'longer than the wait (not answered)' : `${m.at} ms`} ` +
        `(values: ${shown || 'none'}${a.missing ? `; ${a.missing} not answered` : ''}).`,
      a.events,
      {
        expected:
          `the device to answer ${code} within ${limit.max} ms ` +
          `for ${limit.percentile}% of ${ops.length} operations.`,
        final: a.missing === 0,
      },
    ),
    measurement: m,
  };
}

// ---- from the harness's request to the device's PUBLISH -------------------------------------

/** the device's PUBLISH (after `since`) with an s/us line carrying the value, one not yet taken */
function carrying(c: Ctx, since: number, value: string, taken: Set<number>): RecordEvent | undefined {
  return devicePackets(c.events, c.deviceId, 'publish', 'in').find(
    (e) =>
      e.seq > since &&
      !taken.has(e.seq) &&
      topicOf(e).startsWith('s/us') &&
      parsePayload(payloadOf(e)).some((l) => l.fields.slice(1).includes(value)),
  );
}

/** each measure action the harness asked of the device since `since`, with the PUBLISH that carried its value */
function measuresSent(c: Ctx, since: number): { asked: RecordEvent; sent?: RecordEvent }[] {
  const taken = new Set<number>();
  return c.events
    .filter((e) => e.kind === 'device' && e.action === 'measure' && e.phase === 'start' && e.seq > since)
    .map((asked) => {
      const value = String((asked.args as { value?: unknown } | undefined)?.value ?? '');
      const sent = carrying(c, asked.seq, value, taken);
      if (sent) taken.add(sent.seq);
      return { asked, ...(sent ? { sent } : {}) };
    });
}

type Measured = Verdict & { measurement: Measurement };

function judged(
  c: Ctx,
  m: Measurement,
  events: RecordEvent[],
  expected: string,
  did: string,
  final: boolean,
): Measured {
  if (m.ok) return { ...pass('performance.limit', events), measurement: m };
  return { ...broken('performance.limit', c, did, events, { expected, final }), measurement: m };
}

/**
 * ms from the harness asking the device for a measurement (its console command, or the driver's
 * call) to the device's PUBLISH carrying the value, within the limit for the share stated
 */
export function requestToPublish(c: Ctx, since: number, limit: MaxLimit): Measured {
  const pairs = measuresSent(c, since);
  const done = pairs.filter((p) => p.sent);
  const values = done.map((p) => Math.round((p.sent!.t - p.asked.t) * 10) / 10);
  const m = measured('request to PUBLISH', 'ms', values, pairs.length - done.length, limit);
  const events = done.flatMap((p) => [p.asked, p.sent!]);
  const at = m.at === Infinity ? 'longer than the wait (not sent)' : `${m.at} ms`;
  return judged(
    c,
    m,
    events,
    `each of ${pairs.length} values published within ${limit.max} ms of the request, for ${limit.percentile}% of them.`,
    `At the ${limit.percentile}th percentile it took ${at} (values: ${values.join(', ') || 'none'}).`,
    done.length === pairs.length && pairs.length > 0,
  );
}

/** the device's PUBLISHes carrying the values asked for since `since`, a second: at least the limit */
export function publishRate(c: Ctx, since: number, min: number): Measured {
  const pairs = measuresSent(c, since);
  const sent = pairs.flatMap((p) => (p.sent ? [p.sent] : [])).sort((a, b) => a.t - b.t);
  const span = sent.length > 1 ? sent.at(-1)!.t - sent[0]!.t : 0;
  const rate = span > 0 ? Math.round(((sent.length - 1) / span) * 10_000) / 10 : undefined;
  const m = measured('messages a second', 'msg/s', rate === undefined ? [] : [rate], rate === undefined ? 1 : 0, {
    min,
    percentile: 100,
  });
  return judged(
    c,
    m,
    [...sent.slice(0, 2), ...sent.slice(-1)],
    `the values published at ${min} messages a second or more.`,
    rate === undefined
      ? `Too few of the values were published to measure a rate (${sent.length}).`
      : `${sent.length} PUBLISHes in ${Math.round(span)} ms: ${rate} a second.`,
    sent.length === pairs.length,
  );
}
