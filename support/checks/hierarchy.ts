// Children: created on the parent's topic, their data on their own topic, known to the platform.
import { parsePayload } from '../smartrest/codec.ts';
import { devicePackets, payloadOf, platformChanges, topicOf } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

/** the device sent lines matching the pattern, and all of them on the topic */
export function linesOn(c: Ctx, pattern: RegExp, topic: string, rule = 'hierarchy.child-data-topic'): Verdict {
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in');
  const matching = pubs.filter((e) => parsePayload(payloadOf(e)).some((l) => pattern.test(l.text)));
  const elsewhere = matching.filter((e) => topicOf(e) !== topic);
  if (matching.length > 0 && elsewhere.length === 0) return pass(rule, matching);
  return broken(
    rule,
    c,
    matching.length === 0
      ? `The device sent no line matching ${pattern}.`
      : `It sent them on ${[...new Set(elsewhere.map(topicOf))].join(', ')}.`,
    matching.length ? matching : pubs,
    { expected: `the device's lines matching ${pattern} on ${topic}.`, final: elsewhere.length > 0 },
  );
}

/**
 * What the device sent for a child after `since` (when a step asked it to) went on the child's
 * own topic s/us/<child>, in whatever form the device chose; data on another topic breaks it.
 */
export function childDataOnItsTopic(c: Ctx, child: string, since: number): Verdict {
  const rule = 'hierarchy.child-data-topic';
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in').filter((e) => e.seq > since);
  const data = pubs.filter((e) => topicOf(e).startsWith('s/us'));
  const own = `s/us/${child}`;
  const elsewhere = data.filter((e) => topicOf(e) !== own);
  if (data.some((e) => topicOf(e) === own) && elsewhere.length === 0) return pass(rule, data);
  return broken(
    rule,
    c,
    data.length === 0
      ? 'It sent nothing on s/us since.'
      : `It sent it on ${[...new Set(elsewhere.map(topicOf))].join(', ')}.`,
    data,
    { expected: `the data for the child ${child} on ${own}.`, final: elsewhere.length > 0 },
  );
}

/** the platform has the child below the parent */
export function childOf(c: Ctx, child: string, parent: string): Verdict {
  const made = platformChanges(c.events, 'child-created', (e) => e.deviceId === child);
  if (made.some((e) => e.parent === parent)) return pass('platform.data', made);
  return broken(
    'platform.data',
    c,
    made.length
      ? `'${child}' was created below '${String(made[0]!.parent)}'.`
      : `The platform has no child '${child}'.`,
    platformChanges(c.events, 'child-created').concat(platformChanges(c.events, 'device-created')),
    { expected: `'${child}' below '${parent}' on the platform.` },
  );
}

export const PASSIVE: PassiveRule[] = [decidedRule('hierarchy.unknown-child')];
