// The device's conformance, judged from the record alone. Each check throws a CheckFailure that
// quotes what it expected, the part of the record that shows what happened, and the record path.
import { parseClientId } from '../broker/clientid.ts';
import type { RecordEvent } from '../record/events.ts';
import { inOrder, type EventFilter } from '../record/query.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import { failure } from './excerpt.ts';
import { finding } from '../rules.ts';

/** strict: the run counts warnings as violations (SPEC 8) */
export interface Ctx { events: readonly RecordEvent[]; deviceId: string; recordPath?: string; strict?: boolean }

const connects = (c: Ctx) => devicePackets(c.events, c.deviceId, 'connect', 'in');

/** every CONNECT of the device has a ClientId of the form [d:]<id>[:<template>] naming it */
export function clientIdWellFormed(c: Ctx): void {
  const cs = connects(c);
  if (cs.length === 0) throw failure(`a CONNECT from device '${c.deviceId}'`, c.events.filter((e) => e.kind === 'packet' && e.type === 'connect'), c.recordPath);
  for (const e of cs) {
    const id = (e.packet as { clientId: string }).clientId;
    const parsed = parseClientId(id);
    if (!parsed.ok || parsed.value.deviceId !== c.deviceId) {
      throw failure(`a ClientId of the form [d:]${c.deviceId}[:<template>], got '${id}'${parsed.ok ? '' : ` (${parsed.reason})`}`, [e, ...c.events.filter((x) => x.conn === e.conn && x.kind === 'decision')], c.recordPath);
    }
  }
}

/** the CONNACK of the device's latest connection */
export function lastConnack(c: Ctx, expected: number): void {
  const acks = devicePackets(c.events, c.deviceId, 'connack', 'out');
  const code = (acks.at(-1)?.packet as { returnCode?: number } | undefined)?.returnCode;
  if (code !== expected) {
    const around: RecordEvent[] = [...devicePackets(c.events, c.deviceId).filter((e) => e.type === 'connect' || e.type === 'connack'),
      ...c.events.filter((e) => e.kind === 'decision' && String(e.clientId ?? '').includes(c.deviceId))];
    throw failure(`CONNACK ${expected} for the device's latest connection, got ${acks.length ? `CONNACK ${code}` : 'no CONNACK'}`, around.sort((a, b) => a.seq - b.seq), c.recordPath);
  }
}

export function connectClean(c: Ctx, clean: boolean): void {
  const last = connects(c).at(-1);
  if (!last || (last.packet as { clean: boolean }).clean !== clean) {
    throw failure(`the device's CONNECT with clean session ${clean ? 1 : 0}`, connects(c), c.recordPath);
  }
}

/** a last will is a warning (SPEC 8): it fails the device only in a strict run */
export function noLastWill(c: Ctx): void {
  const withWill = connects(c).filter((e) => (e.packet as { will?: unknown }).will !== undefined);
  if (withWill.length > 0 && finding('connect.last-will', c.strict).severity === 'violation') {
    throw failure('no last will in the device\'s CONNECT in a strict run (rule connect.last-will: Cumulocity never publishes it, so relying on it hides a device going offline)', withWill, c.recordPath);
  }
}

/** every PUBLISH from the device has this QoS */
export function publishQos(c: Ctx, qos: number): void {
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in');
  const wrong = pubs.filter((e) => (e.packet as { qos: number }).qos !== qos);
  if (pubs.length === 0 || wrong.length > 0) throw failure(`every PUBLISH from the device at QoS ${qos}${pubs.length === 0 ? ' (it published nothing)' : `; ${wrong.length} of ${pubs.length} were not`}`, wrong.length ? wrong : pubs, c.recordPath);
}

export function subscribedWithQos(c: Ctx, topic: string, qos: number): void {
  const subs = devicePackets(c.events, c.deviceId, 'subscribe', 'in');
  const found = subs.flatMap((e) => (e.packet as { subscriptions: { topic: string; qos: number }[] }).subscriptions).filter((s) => s.topic === topic);
  if (found.length === 0 || found.some((s) => s.qos !== qos)) throw failure(`a SUBSCRIBE to ${topic} with QoS ${qos}`, subs, c.recordPath);
}

/** the broker sent the device something on a topic at this QoS, and the device finished the handshake */
export function downstreamQos(c: Ctx, topic: string, qos: number): void {
  const out = devicePackets(c.events, c.deviceId, 'publish', 'out').filter((e) => topicOf(e) === topic);
  const last = out.at(-1);
  if (!last || (last.packet as { qos: number }).qos !== qos) throw failure(`a PUBLISH on ${topic} to the device at QoS ${qos}`, out, c.recordPath);
  const id = (last.packet as { messageId?: number }).messageId;
  const acks = devicePackets(c.events, c.deviceId).filter((e) => e.seq > last.seq && (e.packet as { messageId?: number }).messageId === id);
  const want = qos === 1 ? ['in:puback'] : qos === 2 ? ['in:pubrec', 'out:pubrel', 'in:pubcomp'] : [];
  const got = acks.map((e) => `${e.dir}:${e.type}`).filter((x) => want.includes(x));
  if (JSON.stringify(got.slice(0, want.length)) !== JSON.stringify(want)) throw failure(`the QoS ${qos} handshake ${want.join(' → ') || '(none)'} for message ${id}`, [last, ...acks], c.recordPath);
}

/** the device registered with 100 before any SUBSCRIBE to s/ds */
export function registeredBeforeSubscribing(c: Ctx): void {
  const pk = devicePackets(c.events, c.deviceId, undefined, 'in');
  const first100 = pk.find((e) => e.type === 'publish' && topicOf(e) === 's/us' && parsePayload(payloadOf(e)).some((l) => l.fields[0] === '100'));
  const firstSub = pk.find((e) => e.type === 'subscribe' && (e.packet as { subscriptions: { topic: string }[] }).subscriptions.some((s) => s.topic === 's/ds'));
  if (!first100 || !firstSub || firstSub.seq < first100.seq) throw failure('the device to publish 100 on s/us before it subscribes to s/ds', pk.filter((e) => e.type === 'publish' || e.type === 'subscribe').slice(0, 8), c.recordPath);
}

export function neverRefused(c: Ctx, decision: string): void {
  const refused = c.events.filter((e) => e.kind === 'decision' && e.decision === decision && (e.deviceId === c.deviceId || String(e.clientId ?? '').includes(c.deviceId)));
  if (refused.length > 0) throw failure(`no ${decision} for the device`, refused, c.recordPath);
}

/**
 * every SmartREST line the device sent reads back under the seed's rules: no finding whose rule is a
 * violation (a backslash before an ordinary character, or unquoted whitespace, is only a warning)
 */
export function seedEscaping(c: Ctx): void {
  for (const e of devicePackets(c.events, c.deviceId, 'publish', 'in')) {
    for (const line of parsePayload(payloadOf(e))) {
      const f = line.findings.find((x) => finding(`escaping.${x.code}`, c.strict).severity === 'violation');
      if (f) {
        throw failure(`every SmartREST line the device sent to follow the seed's quoting and escaping (rule escaping.${f.code}); line ${JSON.stringify(line.text)} has ${f.code} at character ${f.offset - line.offset + 1}: ${f.message}`, [e], c.recordPath);
      }
    }
  }
}

/** the device's PUBLISHes matching `payload` went to `topic` */
export function publishedOn(c: Ctx, payload: RegExp, topic: string): void {
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in').filter((e) => payload.test(payloadOf(e)));
  if (pubs.length === 0 || pubs.some((e) => topicOf(e) !== topic)) throw failure(`the device's ${payload} lines on ${topic}`, pubs.length ? pubs : devicePackets(c.events, c.deviceId, 'publish', 'in'), c.recordPath);
}

/** in order, after `since`: each (topic, line pattern) published by the device, each exactly once */
export function answeredInOrder(c: Ctx, steps: { topic: string; line: RegExp }[], since: number): void {
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in').filter((e) => e.seq > since);
  const filters: EventFilter[] = steps.map((s) => ({ where: (e) => topicOf(e) === s.topic && parsePayload(payloadOf(e)).some((l) => s.line.test(l.text)) }));
  const order = inOrder(pubs, filters);
  const want = steps.map((s) => `${s.line} on ${s.topic}`).join(', then ');
  if (!order.ok) throw failure(`${want}; step ${order.brokenAt! + 1} never came`, pubs, c.recordPath);
  for (const [i, f] of filters.entries()) {
    const n = pubs.filter((e) => f.where!(e)).length;
    if (n !== 1) throw failure(`${steps[i]!.line} on ${steps[i]!.topic} exactly once, seen ${n} times`, pubs, c.recordPath);
  }
}

/** no SUBSCRIBE from the device after seq */
export function noSubscribeSince(c: Ctx, since: number): void {
  const subs = devicePackets(c.events, c.deviceId, 'subscribe', 'in').filter((e) => e.seq > since);
  if (subs.length > 0) throw failure('no new SUBSCRIBE after the device got its link back (clean session 0 keeps its subscriptions)', subs, c.recordPath);
}
