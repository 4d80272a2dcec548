// For the checks' unit tests: hand-made records, event by event, as the record writer would write
// them (format 2), without a broker.
import type { RecordEvent } from '../record/events.ts';
import type { Ctx, Verdict } from './verdict.ts';

export const DEVICE = 'SN1';

export class RecordBuilder {
  readonly events: RecordEvent[] = [];
  private conns = 0;

  constructor(version = 2) {
    this.add('meta', { format: 'c8y-hil-record', version });
  }

  add(kind: string, fields: Record<string, unknown>): RecordEvent {
    const e = {
      seq: this.events.length + 1,
      t: this.events.length,
      wall: '2026-01-01T00:00:00.000Z',
      kind,
      ...fields,
    } as RecordEvent;
    this.events.push(e);
    return e;
  }

  packet(
    conn: string,
    dir: 'in' | 'out',
    type: string,
    packet: Record<string, unknown>,
    clientId?: string,
  ): RecordEvent {
    return this.add('packet', {
      conn,
      transport: 'mqtt',
      dir,
      type,
      size: 10,
      packet,
      ...(clientId ? { clientId } : {}),
    });
  }

  /** a connection: CONNECT with the ClientId (and options), answered CONNACK returnCode */
  connect(
    clientId = DEVICE,
    opts: { clean?: boolean; will?: boolean; protocolVersion?: number; returnCode?: number } = {},
  ): string {
    const conn = `c${++this.conns}`;
    this.add('connection', { action: 'open', conn, transport: 'mqtt' });
    this.packet(conn, 'in', 'connect', {
      clientId,
      clean: opts.clean ?? true,
      keepalive: 60,
      protocolVersion: opts.protocolVersion ?? 4,
      username: 't/u',
      passwordSet: true,
      ...(opts.will ? { will: { topic: 's/us', qos: 0, retain: false, payload: '400,x,y' } } : {}),
    });
    this.packet(conn, 'out', 'connack', { returnCode: opts.returnCode ?? 0, sessionPresent: false }, clientId);
    return conn;
  }

  publish(
    conn: string,
    topic: string,
    payload: string,
    opts: { qos?: number; dir?: 'in' | 'out'; messageId?: number; dup?: boolean } = {},
  ): RecordEvent {
    const qos = opts.qos ?? 1;
    return this.packet(conn, opts.dir ?? 'in', 'publish', {
      topic,
      payload,
      qos,
      retain: false,
      dup: opts.dup ?? false,
      ...(qos > 0 ? { messageId: opts.messageId ?? 1 } : {}),
    });
  }

  subscribe(conn: string, subs: [string, number][], messageId = 1): RecordEvent {
    return this.packet(conn, 'in', 'subscribe', {
      messageId,
      subscriptions: subs.map(([topic, qos]) => ({ topic, qos })),
    });
  }

  ack(
    conn: string,
    type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp',
    messageId: number,
    dir: 'in' | 'out' = 'in',
  ): RecordEvent {
    return this.packet(conn, dir, type, { messageId });
  }

  disconnect(conn: string): RecordEvent {
    this.packet(conn, 'in', 'disconnect', {});
    return this.add('connection', { action: 'close', conn, transport: 'mqtt' });
  }

  decision(decision: string, fields: Record<string, unknown> = {}): RecordEvent {
    return this.add('decision', { decision, deviceId: DEVICE, ...fields });
  }

  platform(change: string, fields: Record<string, unknown> = {}): RecordEvent {
    return this.add('platform', { change, deviceId: DEVICE, rootId: DEVICE, ...fields });
  }

  ctx(extra: Partial<Ctx> = {}): Ctx {
    return { events: this.events, deviceId: DEVICE, recordPath: '/tmp/example.jsonl', ...extra };
  }
}

/** the verdict broke this rule, with evidence that includes these seqs (when given) */
export function brokeRule(v: Verdict, rule: string, seqs: number[] = []): string | undefined {
  if (v.ok) return `expected ${rule} to break, it passed`;
  if (v.rule !== rule) return `expected ${rule}, got ${v.rule}`;
  const shown = v.evidence.map((e) => e.seq);
  const missing = seqs.filter((s) => !shown.includes(s));
  if (missing.length > 0) return `evidence lacks #${missing.join(', #')} (has #${shown.join(', #')})`;
  if (!v.message.includes(`[${rule}, `) || !v.message.includes('Full record: /tmp/example.jsonl'))
    return `the message does not name the rule and record: ${v.message}`;
  return undefined;
}
