// Pure queries over record events: filter, count, order. Used by checks, steps and the API.
import type { RecordEvent } from './events.ts';

export interface EventFilter {
  kind?: string;
  /** packet type (mqtt-packet's cmd) */
  type?: string | string[];
  dir?: 'in' | 'out';
  conn?: string;
  /** the MQTT ClientId as the device sent it */
  clientId?: string;
  /** exact topic, or an MQTT filter with + and #, or a RegExp */
  topic?: string | RegExp;
  decision?: string;
  /** a connection event's action: open or close */
  action?: string;
  /** the device identifier a decision or platform change is about */
  deviceId?: string;
  /** time window in ms since the record started (inclusive) */
  from?: number;
  to?: number;
  /** any further condition */
  where?: (e: RecordEvent) => boolean;
}

export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function topicOf(e: RecordEvent): string | undefined {
  const p = e.packet as { topic?: string } | undefined;
  return p?.topic ?? (typeof e.topic === 'string' ? e.topic : undefined);
}

export function matches(e: RecordEvent, f: EventFilter): boolean {
  if (f.kind !== undefined && e.kind !== f.kind) return false;
  if (f.type !== undefined) {
    const types = Array.isArray(f.type) ? f.type : [f.type];
    if (!types.includes(e.type as string)) return false;
  }
  if (f.dir !== undefined && e.dir !== f.dir) return false;
  if (f.conn !== undefined && e.conn !== f.conn) return false;
  if (f.clientId !== undefined && e.clientId !== f.clientId) return false;
  if (f.decision !== undefined && e.decision !== f.decision) return false;
  if (f.action !== undefined && e.action !== f.action) return false;
  if (f.deviceId !== undefined && e.deviceId !== f.deviceId) return false;
  if (f.from !== undefined && e.t < f.from) return false;
  if (f.to !== undefined && e.t > f.to) return false;
  if (f.topic !== undefined) {
    const topic = topicOf(e);
    if (topic === undefined) return false;
    if (typeof f.topic === 'string' ? !topicMatches(f.topic, topic) : !f.topic.test(topic)) return false;
  }
  if (f.where !== undefined && !f.where(e)) return false;
  return true;
}

export function select(events: readonly RecordEvent[], f: EventFilter): RecordEvent[] {
  return events.filter((e) => matches(e, f));
}

export interface CountVerdict { ok: boolean; count: number; matches: RecordEvent[] }

export function exactlyOnce(events: readonly RecordEvent[], f: EventFilter): CountVerdict {
  const m = select(events, f);
  return { ok: m.length === 1, count: m.length, matches: m };
}

export interface OrderVerdict {
  ok: boolean;
  /** the event found for each filter, in order, as far as the order held */
  found: RecordEvent[];
  /** index of the first filter that had no match after the one before it */
  brokenAt?: number;
}

/** Each filter matches an event later than the one matched before it. */
export function inOrder(events: readonly RecordEvent[], filters: readonly EventFilter[]): OrderVerdict {
  const found: RecordEvent[] = [];
  let from = 0;
  for (let i = 0; i < filters.length; i++) {
    const idx = events.findIndex((e, k) => k >= from && matches(e, filters[i]!));
    if (idx < 0) return { ok: false, found, brokenAt: i };
    found.push(events[idx]!);
    from = idx + 1;
  }
  return { ok: true, found };
}
