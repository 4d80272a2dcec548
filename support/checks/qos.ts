// QoS: what the device publishes and subscribes with, and the handshake of what it receives.
import type { PacketEvent, RecordEvent } from '../record/events.ts';
import { devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import type { PassiveRule } from './from-decisions.ts';
import { broken, notApplicable, pass, type Ctx, type Verdict } from './verdict.ts';

const qosOf = (e: RecordEvent) => (e.packet as { qos?: number }).qos;
const idOf = (e: RecordEvent) => (e.packet as { messageId?: number }).messageId;
const subscriptions = (e: RecordEvent) =>
  (e.packet as { subscriptions?: { topic: string; qos: number }[] }).subscriptions ?? [];

/** every PUBLISH from the device has this QoS */
export function publishQos(c: Ctx, qos: number): Verdict {
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in');
  const wrong = pubs.filter((e) => qosOf(e) !== qos);
  if (pubs.length > 0 && wrong.length === 0) return pass('qos.as-configured', pubs.slice(-3));
  return broken(
    'qos.as-configured',
    c,
    pubs.length === 0
      ? 'The device published nothing.'
      : `${wrong.length} of its ${pubs.length} PUBLISHes have another QoS.`,
    wrong.length ? wrong : pubs,
    { expected: `every PUBLISH from the device at QoS ${qos}, as configured.` },
  );
}

/** the device's subscriptions to the topic have this QoS */
export function subscribedWithQos(c: Ctx, topic: string, qos: number): Verdict {
  const subs = devicePackets(c.events, c.deviceId, 'subscribe', 'in');
  const found = subs.flatMap(subscriptions).filter((s) => s.topic === topic);
  if (found.length > 0 && found.every((s) => s.qos === qos)) return pass('qos.as-configured', subs);
  return broken(
    'qos.as-configured',
    c,
    found.length === 0
      ? `The device never subscribed to ${topic}.`
      : `It subscribed to ${topic} with QoS ${found.map((s) => s.qos).join(', ')}.`,
    subs,
    { expected: `a SUBSCRIBE to ${topic} with QoS ${qos}, as configured.` },
  );
}

/** passive: when the scenario configured a QoS, the device publishes and subscribes to s/ds with it */
export function qosAsConfigured(c: Ctx): Verdict {
  const qos = c.expect?.qos;
  if (qos === undefined || devicePackets(c.events, c.deviceId, 'publish', 'in').length === 0)
    return notApplicable('qos.as-configured');
  const up = publishQos(c, qos);
  if (!up.ok) return up;
  const subscribed = devicePackets(c.events, c.deviceId, 'subscribe', 'in')
    .flatMap(subscriptions)
    .some((s) => s.topic === 's/ds');
  return subscribed ? subscribedWithQos(c, 's/ds', qos) : up;
}

const HANDSHAKE: Record<number, string[]> = { 1: ['puback'], 2: ['pubrec', 'pubcomp'] };

/** what the device owes for a PUBLISH it received, that it had not sent when it left the connection */
function missingAcks(c: Ctx, pub: PacketEvent, until: number): string[] {
  const after = devicePackets(c.events, c.deviceId, undefined, 'in').filter(
    (e) => e.conn === pub.conn && e.seq > pub.seq && e.seq < until && idOf(e) === idOf(pub),
  );
  return (HANDSHAKE[qosOf(pub) ?? 0] ?? []).filter((t) => !after.some((e) => e.type === t));
}

/**
 * passive: on every connection the device ended itself (with DISCONNECT), it had completed the
 * handshake of every QoS 1/2 message it received (a connection that dropped owes nothing)
 */
export function downstreamHandshake(c: Ctx): Verdict {
  const outs = devicePackets(c.events, c.deviceId, 'publish', 'out').filter((e) => (qosOf(e) ?? 0) > 0);
  const disconnects = devicePackets(c.events, c.deviceId, 'disconnect', 'in');
  const judged = outs
    .map((pub) => ({ pub, end: disconnects.find((d) => d.conn === pub.conn && d.seq > pub.seq) }))
    .filter((x) => x.end);
  if (judged.length === 0) return notApplicable('qos.downstream-handshake');
  const owing = judged
    .map(({ pub, end }) => ({ pub, end: end!, missing: missingAcks(c, pub, end!.seq) }))
    .filter((x) => x.missing.length > 0);
  if (owing.length === 0) return pass('qos.downstream-handshake', judged.map((x) => x.pub).slice(-3));
  const first = owing[0]!;
  return broken(
    'qos.downstream-handshake',
    c,
    `The device left the connection without ${first.missing.map((t) => t.toUpperCase()).join(' and ')} for the QoS ${qosOf(first.pub)} message ${idOf(first.pub)} on ${topicOf(first.pub)}${owing.length > 1 ? ` (and ${owing.length - 1} more)` : ''}.`,
    [first.pub, first.end, ...owing.slice(1).map((x) => x.pub)],
  );
}

/** the broker sent the device something on a topic at this QoS, and the device finished the handshake */
export function downstreamQos(c: Ctx, topic: string, qos: number): Verdict {
  const out = devicePackets(c.events, c.deviceId, 'publish', 'out').filter((e) => topicOf(e) === topic);
  const last = out.at(-1);
  if (!last || qosOf(last) !== qos) {
    return broken(
      'qos.as-configured',
      c,
      last ? `The latest one went at QoS ${qosOf(last)}.` : `Nothing was sent on ${topic}.`,
      out,
      { expected: `a PUBLISH on ${topic} to the device at QoS ${qos}, the QoS it subscribed with.` },
    );
  }
  const missing = missingAcks(c, last, Number.MAX_SAFE_INTEGER);
  if (missing.length === 0) return pass('qos.downstream-handshake', [last]);
  const acks = devicePackets(c.events, c.deviceId).filter((e) => e.seq > last.seq && idOf(e) === idOf(last));
  return broken(
    'qos.downstream-handshake',
    c,
    `The device has not sent ${missing.map((t) => t.toUpperCase()).join(' and ')} for message ${idOf(last)}.`,
    [last, ...acks],
  );
}

export const PASSIVE: PassiveRule[] = [
  { id: 'qos.as-configured', judge: qosAsConfigured },
  { id: 'qos.downstream-handshake', judge: downstreamHandshake },
];

// ---- acknowledgements the broker lost (link-faults.ts): what the device does about them ---------

const lostPackets = (c: Ctx, type: string, dir: 'in' | 'out') =>
  c.events.filter(
    (e) =>
      e.kind === 'decision' &&
      e.decision === 'packet-lost' &&
      e.deviceId === c.deviceId &&
      e.type === type &&
      e.dir === dir,
  );

const sessionPresentOn = (c: Ctx, conn: string | undefined) =>
  devicePackets(c.events, c.deviceId, 'connack', 'out').some(
    (e) => e.conn === conn && (e.packet as { sessionPresent?: boolean }).sessionPresent === true,
  );

/**
 * After the broker lost its PUBACK, the device sent that PUBLISH again (same topic and payload)
 * with DUP set, and on a resumed session with its original packet id.
 */
export function resentWithDup(c: Ctx): Verdict {
  const rule = 'qos.resend-dup';
  const lost = lostPackets(c, 'puback', 'out').at(-1);
  if (!lost) return broken('platform.behaviour', c, 'The broker lost no PUBACK to the device.', []);
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in');
  const original = pubs.filter((e) => e.conn === lost.conn && e.seq < lost.seq && idOf(e) === lost.messageId).at(-1);
  if (!original)
    return broken('platform.behaviour', c, `The lost PUBACK (id ${String(lost.messageId)}) answers no PUBLISH.`, [
      lost,
    ]);
  const id = idOf(original);
  const expected =
    `the PUBLISH ${id} on ${topicOf(original)} sent again with DUP set ` +
    `(with its id ${id} when the broker resumed its session).`;
  const again = pubs.find(
    (e) => e.seq > lost.seq && topicOf(e) === topicOf(original) && payloadOf(e) === payloadOf(original),
  );
  if (!again)
    return broken(rule, c, 'It has not sent it again since its PUBACK was lost.', [original, lost], { expected });
  const evidence = [original, lost, again];
  if ((again.packet as { dup?: boolean }).dup !== true)
    return broken(rule, c, `It sent it again with DUP 0 (id ${idOf(again)}).`, evidence, { expected, final: true });
  if (sessionPresentOn(c, again.conn) && idOf(again) !== id)
    return broken(rule, c, `On its resumed session it sent it again as id ${idOf(again)}, not ${id}.`, evidence, {
      expected,
      final: true,
    });
  return pass(rule, evidence);
}

/**
 * After the broker lost the device's PUBCOMP (for a QoS 2 message it sent the device), the broker
 * sent its PUBREL again and the device answered it: the flow completed.
 */
export function completedAfterLostPubcomp(c: Ctx): Verdict {
  const rule = 'qos.downstream-handshake';
  const lost = lostPackets(c, 'pubcomp', 'in').at(-1);
  if (!lost) return broken('platform.behaviour', c, "The broker lost none of the device's PUBCOMPs.", []);
  // the lost packet is in the record as it arrived, before the decision to lose it
  const first = devicePackets(c.events, c.deviceId, 'pubcomp', 'in')
    .filter((e) => e.conn === lost.conn && e.seq < lost.seq)
    .at(-1);
  if (!first) return broken('platform.behaviour', c, 'The lost PUBCOMP is not in the record.', [lost]);
  const id = idOf(first);
  const expected = `a PUBCOMP for the PUBREL ${id} the broker sent again after it lost the first PUBCOMP.`;
  const rel = devicePackets(c.events, c.deviceId, 'pubrel', 'out').find((e) => e.seq > lost.seq && idOf(e) === id);
  if (!rel)
    return broken('platform.behaviour', c, `The broker has not sent PUBREL ${id} again.`, [first, lost], { expected });
  const again = devicePackets(c.events, c.deviceId, 'pubcomp', 'in').find(
    (e) => e.seq > rel.seq && e.conn === rel.conn && idOf(e) === id,
  );
  if (!again)
    return broken(rule, c, `It has not answered PUBREL ${id} with PUBCOMP.`, [first, lost, rel], { expected });
  return pass(rule, [first, lost, rel, again]);
}

/** the QoS 1/2 PUBLISHes the broker sent on the device's latest connection that it has not answered (PUBACK, PUBREC) */
export function unacknowledged(events: readonly RecordEvent[], deviceId: string): PacketEvent[] {
  const connects = devicePackets(events, deviceId, 'connect', 'in');
  const latest = connects.at(-1)?.conn;
  if (latest === undefined) return [];
  const onIt = devicePackets(events, deviceId).filter((e) => e.conn === latest);
  return onIt.filter(
    (p) =>
      p.dir === 'out' &&
      p.type === 'publish' &&
      (qosOf(p) ?? 0) > 0 &&
      !onIt.some(
        (a) => a.dir === 'in' && (a.type === 'puback' || a.type === 'pubrec') && a.seq > p.seq && idOf(a) === idOf(p),
      ),
  );
}
