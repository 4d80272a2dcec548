// Topics: what the device subscribes to and publishes on (SPEC 3), and registration before s/ds.
import { checkSubscription, parseUpstreamTopic } from '../broker/topics.ts';
import type { RecordEvent } from '../record/events.ts';
import { select } from '../record/query.ts';
import { formatOf, ruleOf } from '../rules.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { deviceDecisions, devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

const filters = (e: RecordEvent) =>
  ((e.packet as { subscriptions?: { topic: string }[] }).subscriptions ?? []).map((s) => s.topic);

function subscriptionRule(id: 'topics.subscribe-publish-topic' | 'topics.subscribe-unknown'): PassiveRule {
  return {
    id,
    judge(c) {
      const breaks = (f: string) => {
        const v = checkSubscription(f);
        return !v.ok && v.rule === id;
      };
      const subs = devicePackets(c.events, c.deviceId, 'subscribe', 'in');
      const bad = subs.filter((e) => filters(e).some(breaks));
      // what the broker refused for reasons of the connection (a bootstrap login asking for s/ds)
      const refused = deviceDecisions(c.events, c.deviceId).filter((e) => ruleOf(e, formatOf(c.events))?.rule === id);
      if (bad.length === 0 && refused.length === 0) return pass(id, subs);
      const topics = [...bad.flatMap(filters).filter(breaks), ...refused.map((e) => String(e.topic))];
      return broken(
        id,
        c,
        `The device subscribed to ${[...new Set(topics)].map((t) => `'${t}'`).join(', ')}.`,
        [...bad, ...refused].sort((a, b) => a.seq - b.seq),
      );
    },
  };
}

/** every PUBLISH of the device goes to a topic of SPEC 3 (and the broker refused none) */
export function publishedToKnownTopics(c: Ctx): Verdict {
  const id = 'topics.publish-unknown';
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in');
  const unknown = pubs.filter((e) => !parseUpstreamTopic(topicOf(e)));
  const refused = deviceDecisions(c.events, c.deviceId).filter((e) => ruleOf(e, formatOf(c.events))?.rule === id);
  if (unknown.length === 0 && refused.length === 0) return pass(id, pubs.slice(-3));
  const topics = [...new Set([...unknown.map(topicOf), ...refused.map((e) => String(e.topic))])];
  return broken(
    id,
    c,
    `The device published on ${topics.map((t) => `'${t}'`).join(', ')}.`,
    [...unknown, ...refused].sort((a, b) => a.seq - b.seq),
  );
}

/** JSON via MQTT is accepted but not emulated: a warning, so nobody mistakes it for checked */
export function noJsonViaMqtt(c: Ctx): Verdict {
  const id = 'topics.json-via-mqtt';
  const json = devicePackets(c.events, c.deviceId, undefined, 'in').filter(
    (e) =>
      (e.type === 'publish' && parseUpstreamTopic(topicOf(e))?.kind === 'json') ||
      (e.type === 'subscribe' &&
        filters(e).some((f) => checkSubscription(f).ok && (checkSubscription(f) as { json?: boolean }).json)),
  );
  if (json.length === 0) return pass(id);
  return broken(id, c, `The device used JSON via MQTT ${json.length} time(s); nothing it did there was checked.`, json);
}

/** the device published 100 on s/us before its first SUBSCRIBE to s/ds */
export function registeredBeforeSubscribing(c: Ctx): Verdict {
  const id = 'topics.subscribe-before-registration';
  const pk = devicePackets(c.events, c.deviceId, undefined, 'in');
  const first100 = pk.find(
    (e) =>
      e.type === 'publish' && topicOf(e) === 's/us' && parsePayload(payloadOf(e)).some((l) => l.fields[0] === '100'),
  );
  const firstSub = pk.find((e) => e.type === 'subscribe' && filters(e).includes('s/ds'));
  if (first100 && firstSub && firstSub.seq > first100.seq) return pass(id, [first100, firstSub]);
  return broken(
    id,
    c,
    !first100
      ? 'The device never published 100 on s/us.'
      : !firstSub
        ? 'The device never subscribed to s/ds.'
        : 'It subscribed to s/ds first.',
    pk.filter((e) => e.type === 'publish' || e.type === 'subscribe').slice(0, 8),
    { expected: 'the device publishes 100 on s/us before it subscribes to s/ds.' },
  );
}

/** the broker refused no subscription of the device */
export function noSubscriptionRefused(c: Ctx): Verdict {
  const refused = deviceDecisions(c.events, c.deviceId).filter((e) => e.decision === 'subscription-refused');
  if (refused.length === 0) return pass('topics.subscribe-unknown');
  return broken(
    ruleOf(refused[0]!, formatOf(c.events))?.rule ?? 'topics.subscribe-unknown',
    c,
    `The broker refused ${refused.length} subscription(s): ${refused.map((e) => e.topic).join(', ')}.`,
    refused,
  );
}

/** a helper's subscription was answered SUBACK 0x80 and its connection stayed open */
export function refusedAndOpen(c: Ctx, conn: string): Verdict {
  const onConn = select(c.events, { conn });
  const ack = onConn.filter((e) => e.kind === 'packet' && e.type === 'suback').at(-1);
  const closed = onConn.some((e) => e.kind === 'connection' && e.action === 'close');
  const refused = !!ack && (ack.packet as { granted: number[] }).granted.every((g) => g === 128);
  if (refused && !closed) return pass('platform.behaviour', [ack!]);
  return broken(
    'platform.behaviour',
    c,
    !ack ? 'No SUBACK was sent.' : !refused ? 'The subscription was granted.' : `Connection ${conn} was closed.`,
    onConn,
    { expected: 'SUBACK 0x80 for the subscription, and the connection left open.', final: closed },
  );
}

export const PASSIVE: PassiveRule[] = [
  subscriptionRule('topics.subscribe-publish-topic'),
  subscriptionRule('topics.subscribe-unknown'),
  decidedRule('topics.subscribe-before-registration'),
  { id: 'topics.publish-unknown', judge: publishedToKnownTopics },
  { id: 'topics.json-via-mqtt', judge: noJsonViaMqtt },
];
