// Measurements, as OpenHTF keeps them: a name, a unit, the values (from the record's timestamps,
// never from sleeps), a limit the scenario states, and the verdict against it. A measurement
// outside its limit breaks performance.limit with the values as evidence.
import type { RecordEvent } from '../record/events.ts';
import { devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import type { OperationRef } from './operations.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

export interface Limit {
  /** the largest value allowed, at the percentile (100: every value) */
  max: number;
  percentile: number;
}

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

/** a step's limit on answer times, checked: 501 or 503, a share from 1% to 100% */
export function answerLimit(code: number, maxMs: number, share: number): { answer: 501 | 503; limit: Limit } {
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

export function measured(name: string, unit: string, values: number[], missing: number, limit?: Limit): Measurement {
  const at = limit ? percentile(values, limit.percentile, missing) : undefined;
  return { name, unit, values, missing, ...(limit ? { limit, at } : {}), ok: !limit || at! <= limit.max };
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
  limit: Limit,
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
