// Resilience: how the device comes back when the platform misbehaves. Judged from the record's
// timestamps: the device's own CONNECT attempts after a refusal, and when it closed a link that
// had gone silent.
import type { RecordEvent } from '../record/events.ts';
import { devicePackets, payloadOf } from './device-traffic.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { measured, type Measurement } from './measure.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

type Measured = Verdict & { measurement: Measurement; also?: Measurement[] };
const returnCode = (e: RecordEvent) => (e.packet as { returnCode?: number }).returnCode;
const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * After the link was lost (record position `since`), the device came back (CONNACK 0), and its
 * attempts were at least `floorMs` apart: a storm of attempts breaks it finally.
 */
export function reconnectsBackOff(c: Ctx, since: number, floorMs: number, perMinute = Infinity): Measured {
  const rule = 'resilience.reconnect-backoff';
  const lost = c.events.find((e) => e.seq === since);
  const attempts = devicePackets(c.events, c.deviceId, 'connect', 'in').filter((e) => e.seq > since);
  const gaps = attempts.slice(1).map((e, i) => round(e.t - attempts[i]!.t));
  const back = devicePackets(c.events, c.deviceId, 'connack', 'out').find((e) => e.seq > since && returnCode(e) === 0);
  const m = measured('reconnect time', 'ms', back && lost ? [round(back.t - lost.t)] : [], back ? 0 : 1);
  // the intervals between attempts, each at least the floor
  const intervals = gaps.length > 0 ? { min: floorMs, percentile: 100 } : undefined;
  const also = [measured('backoff intervals', 'ms', gaps, 0, intervals)];
  const short = gaps.findIndex((g) => g < floorMs);
  const most = perMinute === Infinity ? '' : ` and at most ${perMinute} a minute`;
  const expected = `the device back after it lost the link, its attempts at least ${floorMs} ms apart${most}.`;
  const crowd = busiestMinute(attempts);
  if (crowd.length > perMinute) {
    const span = round(crowd.at(-1)!.t - crowd[0]!.t);
    return {
      ...broken(rule, c, `It made ${crowd.length} attempts within ${span} ms.`, crowd.slice(0, 6), {
        expected,
        final: true,
      }),
      measurement: m,
      also,
    };
  }
  if (short >= 0) {
    return {
      ...broken(
        rule,
        c,
        `Attempts ${short + 1} and ${short + 2} came ${gaps[short]} ms apart (gaps: ${gaps.join(', ')} ms).`,
        attempts.slice(short, short + 2),
        { expected, final: true },
      ),
      measurement: m,
      also,
    };
  }
  if (!back) {
    return {
      ...broken(
        rule,
        c,
        `It has not got back yet: ${attempts.length} attempt(s), gaps ${gaps.join(', ') || 'none'} ms.`,
        attempts,
        { expected },
      ),
      measurement: m,
      also,
    };
  }
  return { ...pass(rule, [...attempts, back]), measurement: { ...m, values: [...m.values] }, also };
}

/** the most attempts within any 60 s, from one attempt on */
function busiestMinute(attempts: readonly RecordEvent[]): RecordEvent[] {
  let best: RecordEvent[] = [];
  for (let i = 0, j = 0; i < attempts.length; i++) {
    while (j < attempts.length && attempts[j]!.t - attempts[i]!.t < 60_000) j++;
    if (j - i > best.length) best = attempts.slice(i, j);
  }
  return best;
}

/**
 * The link went silent (the broker's black hole): the device closed it itself within `factor` ×
 * the keepalive of its CONNECT on that connection, then connected again.
 */
export function noticedSilence(c: Ctx, factor: number): Measured {
  const rule = 'resilience.link-noticed';
  const hole = c.events.filter((e) => e.kind === 'decision' && e.decision === 'link-blackholed').at(-1);
  if (!hole) {
    return {
      ...broken('platform.behaviour', c, 'No link was black-holed.', [], {}),
      measurement: measured('silence noticed after', 'ms', [], 1),
    };
  }
  const conn = hole.conn as string;
  const connect = devicePackets(c.events, c.deviceId, 'connect', 'in').find((e) => e.conn === conn);
  const keepalive = (connect?.packet as { keepalive?: number } | undefined)?.keepalive ?? 0;
  const limit = factor * keepalive * 1000;
  const close = c.events.find(
    (e) => e.kind === 'connection' && e.action === 'close' && e.conn === conn && e.seq > hole.seq,
  );
  const back =
    close &&
    devicePackets(c.events, c.deviceId, 'connack', 'out').find((e) => e.seq > close.seq && returnCode(e) === 0);
  const noticed = close ? round(close.t - hole.t) : undefined;
  const m = measured(
    'silence noticed after',
    'ms',
    noticed === undefined ? [] : [noticed],
    noticed === undefined ? 1 : 0,
    {
      max: limit,
      percentile: 100,
    },
  );
  const expected =
    `the device to give up the silent link within ${factor} × its keepalive of ${keepalive} s ` +
    `(${limit} ms), then connect again.`;
  const now = c.events.at(-1)?.t ?? hole.t;
  if (keepalive === 0)
    return {
      ...broken(
        rule,
        c,
        'Its CONNECT has keepalive 0: it never pings, so it cannot notice.',
        connect ? [connect, hole] : [hole],
        { expected, final: true },
      ),
      measurement: m,
    };
  if (noticed !== undefined && noticed > limit)
    return {
      ...broken(rule, c, `It closed the link ${noticed} ms after it went silent.`, [hole, close!], {
        expected,
        final: true,
      }),
      measurement: m,
    };
  if (noticed === undefined)
    return {
      ...broken(rule, c, `The link is still open ${round(now - hole.t)} ms after it went silent.`, [connect!, hole], {
        expected,
        final: now - hole.t > limit,
      }),
      measurement: m,
    };
  if (!back)
    return {
      ...broken(rule, c, `It closed the link after ${noticed} ms but has not connected again.`, [hole, close!], {
        expected,
      }),
      measurement: m,
    };
  return { ...pass(rule, [hole, close!, back]), measurement: m };
}

/**
 * Every line the platform refused on s/e (a smartrest-error decision) was sent again at most
 * `maxAgain` times after the refusal: not in a loop. A PUBLISH sent again with DUP (the MQTT
 * layer's own resend) is not a new attempt.
 */
export function refusedNotRepeated(c: Ctx, maxAgain: number): Verdict {
  const rule = 'resilience.no-resend-loop';
  const refusals = c.events.filter(
    (e) => e.kind === 'decision' && e.decision === 'smartrest-error' && e.deviceId === c.deviceId,
  );
  if (refusals.length === 0) return broken('platform.behaviour', c, 'The platform has refused nothing yet.', []);
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in').filter(
    (e) => (e.packet as { dup?: boolean }).dup !== true,
  );
  const sent = (e: RecordEvent, text: string) => parsePayload(payloadOf(e)).some((l) => l.text === text);
  for (const refusal of refusals) {
    const text = String(refusal.line);
    const again = pubs.filter((e) => e.seq > refusal.seq && sent(e, text));
    if (again.length > maxAgain)
      return broken(
        rule,
        c,
        `The line ${JSON.stringify(text)} was refused, then sent ${again.length} times more ` +
          `(over ${round(again.at(-1)!.t - refusal.t)} ms).`,
        [refusal, ...again.slice(0, 3), ...again.slice(-1)],
        { expected: `a refused line sent again at most ${maxAgain} time(s), not in a loop.`, final: true },
      );
  }
  return pass(rule, refusals.slice(-3));
}

/**
 * Over the rate limit: the platform cut the device's link for its rate at most `max` times (one
 * cut a connection). Judged throughout a stretch of traffic; that it came back shows in what the
 * scenario waits for next (its operations ending). Never over the limit passes too.
 */
export function rateSlowedDown(c: Ctx, max: number): Verdict {
  const rule = 'resilience.rate-slowdown';
  // one cut per connection (a message already on its way may be decided on as well)
  const cutConns = new Set<unknown>();
  const cuts = c.events.filter((e) => {
    if (e.kind !== 'decision' || e.decision !== 'rate-limit-disconnect' || e.deviceId !== c.deviceId) return false;
    if (cutConns.has(e.conn)) return false;
    cutConns.add(e.conn);
    return true;
  });
  if (cuts.length <= max) return pass(rule, cuts);
  const span = round(cuts.at(-1)!.t - cuts[0]!.t);
  return broken(rule, c, `It was disconnected for its rate ${cuts.length} times in ${span} ms.`, cuts.slice(0, 6), {
    expected: `the device disconnected for its rate at most ${max} time(s): back, and slower.`,
    final: true,
  });
}
