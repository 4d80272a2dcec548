// Connecting: the ClientId, the protocol level, the login, a certificate, the last will, and MQTT
// itself (packet size, well-formed packets, keepalive).
import { parseClientId } from '../broker/clientid.ts';
import type { RecordEvent } from '../record/events.ts';
import { select } from '../record/query.ts';
import { devicePackets } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

const connects = (c: Ctx) => devicePackets(c.events, c.deviceId, 'connect', 'in');
const packetOf = (e: RecordEvent) =>
  e.packet as { clientId?: string; protocolVersion?: number; will?: unknown; returnCode?: number };

/** every CONNECT of the device has a ClientId of the form [d:]<id>[:<template>] naming it */
export function clientIdWellFormed(c: Ctx): Verdict {
  const bad = connects(c).filter((e) => {
    const p = parseClientId(packetOf(e).clientId ?? '');
    return !p.ok || p.value.deviceId !== c.deviceId;
  });
  if (bad.length === 0) return pass('clientid.format', connects(c));
  const id = packetOf(bad[0]!).clientId ?? '';
  const p = parseClientId(id);
  return broken(
    'clientid.format',
    c,
    `The device connected with the ClientId '${id}'${p.ok ? ` (it names '${p.value.deviceId}', not '${c.deviceId}')` : ` (${p.reason})`}.`,
    bad,
  );
}

export function protocolLevel(c: Ctx): Verdict {
  const bad = connects(c).filter((e) => ![3, 4].includes(packetOf(e).protocolVersion ?? 4));
  if (bad.length === 0) return pass('connect.protocol-level', connects(c));
  return broken(
    'connect.protocol-level',
    c,
    `The device connected with MQTT protocol level ${packetOf(bad[0]!).protocolVersion}.`,
    bad,
  );
}

/** a last will is a warning (SPEC 8): never published, so the device must not rely on it */
export function noLastWill(c: Ctx): Verdict {
  const withWill = connects(c).filter((e) => packetOf(e).will !== undefined);
  if (withWill.length === 0) return pass('connect.last-will', connects(c));
  return broken('connect.last-will', c, `${withWill.length} CONNECT(s) of the device carry a last will.`, withWill);
}

const CONNACK_RULE: Record<number, string> = { 0: 'connect.accepted' };

/** the CONNACK of the device's latest connection (expecting 0 judges the device; a refusal judges the lab) */
export function lastConnack(c: Ctx, expected: number): Verdict {
  const rule = CONNACK_RULE[expected] ?? 'platform.behaviour';
  const acks = devicePackets(c.events, c.deviceId, 'connack', 'out');
  const code = acks.length ? packetOf(acks.at(-1)!).returnCode : undefined;
  if (code === expected) return pass(rule, acks.slice(-1));
  const around = [
    ...devicePackets(c.events, c.deviceId).filter((e) => e.type === 'connect' || e.type === 'connack'),
    ...c.events.filter((e) => e.kind === 'decision' && String(e.clientId ?? '').includes(c.deviceId)),
  ].sort((a, b) => a.seq - b.seq);
  return broken(
    rule,
    c,
    `The device's latest connection got ${acks.length ? `CONNACK ${code}` : 'no CONNACK'}.`,
    around,
    { expected: `CONNACK ${expected} for the device's latest connection.` },
  );
}

/** the CONNACK on one connection (a helper client's) */
export function connackOn(c: Ctx, conn: string, expected: number): Verdict {
  const onConn = select(c.events, { conn });
  const ack = onConn.find((e) => e.kind === 'packet' && e.type === 'connack');
  const code = ack ? packetOf(ack).returnCode : undefined;
  if (code === expected) return pass('platform.behaviour', [ack!]);
  return broken('platform.behaviour', c, `Connection ${conn} got ${ack ? `CONNACK ${code}` : 'no CONNACK'}.`, onConn, {
    expected: `CONNACK ${expected} on ${conn}.`,
  });
}

/** a newer connection for the device took over: one takeover, and the older connection closed */
export function takenOver(c: Ctx): Verdict {
  const t = select(c.events, { decision: 'takeover', deviceId: c.deviceId });
  const closed =
    t.length === 1 ? select(c.events, { kind: 'connection', action: 'close', conn: t[0]!.previousConn as string }) : [];
  if (t.length === 1 && closed.length === 1) return pass('platform.behaviour', [...t, ...closed]);
  return broken(
    'platform.behaviour',
    c,
    t.length !== 1
      ? `The record has ${t.length} takeovers of the device.`
      : `The older connection ${t[0]!.previousConn} is still open.`,
    select(c.events, { kind: 'decision' }),
    { expected: `one takeover of device '${c.deviceId}', and the older connection closed.` },
  );
}

export const PASSIVE: PassiveRule[] = [
  { id: 'clientid.format', judge: clientIdWellFormed },
  { id: 'connect.protocol-level', judge: protocolLevel },
  decidedRule('connect.credentials'),
  decidedRule('connect.certificate'),
  { id: 'connect.last-will', judge: noLastWill },
  decidedRule('mqtt.packet-size'),
  decidedRule('mqtt.protocol-error'),
  decidedRule('mqtt.keepalive'),
];

/** the SUBACK answering a SUBSCRIBE, and whether it granted the topic */
function granted(events: readonly RecordEvent[], sub: RecordEvent, topic: string): boolean {
  const p = sub.packet as { messageId?: number; subscriptions?: { topic: string }[] };
  const i = (p.subscriptions ?? []).findIndex((s) => s.topic === topic);
  const ack = events.find(
    (e) =>
      e.kind === 'packet' &&
      e.type === 'suback' &&
      e.conn === sub.conn &&
      e.seq > sub.seq &&
      (e.packet as { messageId?: number }).messageId === p.messageId,
  );
  const g = (ack?.packet as { granted?: number[] } | undefined)?.granted?.[i];
  return i >= 0 && g !== undefined && g !== 128;
}

/**
 * The device is ready for the scenario: its latest connection was accepted, the platform knows
 * it (100, or any data), and, when it is to answer operations, s/ds was granted on that
 * connection. A connect step is done when the record shows this, not when the console says so.
 */
export function readyForScenario(c: Ctx, answersOperations: boolean): Verdict {
  const accepted = lastConnack(c, 0);
  if (!accepted.ok) return accepted;
  const acks = devicePackets(c.events, c.deviceId, 'connack', 'out');
  const ack = acks.at(-1)!;
  const known = c.events.find(
    (e) =>
      e.kind === 'platform' &&
      (e.change === 'device-created' || e.change === 'child-created') &&
      e.deviceId === c.deviceId,
  );
  const subs = devicePackets(c.events, c.deviceId, 'subscribe', 'in').filter((e) => e.conn === ack.conn);
  const subscribed = subs.find((s) => granted(c.events, s, 's/ds'));
  if (known && (subscribed || !answersOperations))
    return pass('operations.lifecycle', [ack, known, ...(subscribed ? [subscribed] : [])]);
  const closed = c.events.some((e) => e.kind === 'connection' && e.action === 'close' && e.conn === ack.conn);
  const missing = [
    ...(known ? [] : ['the platform does not know it (no 100 and no data yet)']),
    ...(subscribed || !answersOperations ? [] : ['s/ds was not granted on its latest connection']),
  ];
  return broken(
    'operations.lifecycle',
    c,
    `It connected, but ${missing.join(', and ')}${closed ? '; the connection is closed' : ''}.`,
    [ack, ...subs, ...(known ? [known] : [])],
    {
      expected: 'a connected device to register (100) and subscribe to s/ds before it is given operations.',
      final: closed,
    },
  );
}

/** after its link came back (record position `since`), the device connected again and was accepted */
export function reconnectedSince(c: Ctx, since: number): Verdict {
  const acks = devicePackets(c.events, c.deviceId, 'connack', 'out').filter((e) => e.seq > since);
  const accepted = acks.find((e) => packetOf(e).returnCode === 0);
  if (accepted) return pass('connect.accepted', [accepted]);
  return broken(
    'connect.accepted',
    c,
    acks.length
      ? `Its new connection got CONNACK ${packetOf(acks.at(-1)!).returnCode}.`
      : 'It has not connected again.',
    acks,
    { expected: 'the device to connect again once its link is back (CONNACK 0).' },
  );
}
