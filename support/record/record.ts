// The scenario's single ordered record. Capture is cheap (a reference to each raw chunk and a
// timestamp); decoding, JSON and disk happen in batches off the hot path, in capture order, so
// broker decisions stay interleaved with the packets that caused them.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectionDecoder } from './decoder.ts';
import { RECORD_FORMAT, RECORD_VERSION, type Direction, type RecordEvent } from './events.ts';
import { matches, type EventFilter } from './query.ts';

export interface RecordOptions {
  /** JSONL file the record streams to; none keeps it in memory only */
  path?: string;
  /** keep decoded events in memory for queries (default true) */
  keepInMemory?: boolean;
  /** how long captured bytes may wait before they are decoded and written (ms) */
  flushIntervalMs?: number;
  /** free-form fields for the header line (scenario name, run id, …) */
  meta?: Record<string, unknown>;
}

type Pending =
  | { c: RecordedConnection; d: Direction; t: number; b: Buffer | string }
  | { e: Omit<RecordEvent, 'seq' | 'wall'> };

export type Listener = (e: RecordEvent) => void;

/** One connection's view into the record: the transport calls in()/out() with raw chunks. */
export class RecordedConnection {
  clientId: string | undefined;
  private readonly decoders = { in: new DirectionDecoder(), out: new DirectionDecoder() };
  constructor(readonly record: TrafficRecord, readonly id: string, readonly transport: string) {}

  in(chunk: Buffer): void { this.record.pushRaw(this, 'in', chunk); }
  out(chunk: Buffer | string): void { this.record.pushRaw(this, 'out', chunk); }

  /** @internal decode one captured chunk into events */
  decode(dir: Direction, chunk: Buffer | string, t: number, emit: (e: Omit<RecordEvent, 'seq' | 'wall'>) => void): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const { packets, error } = this.decoders[dir].feed(buf);
    for (const p of packets) {
      if (p.type === 'connect' && dir === 'in' && typeof p.packet.clientId === 'string') this.clientId = p.packet.clientId;
      const e: Record<string, unknown> = { t, kind: 'packet', conn: this.id, transport: this.transport, dir, type: p.type, size: p.size, packet: p.packet };
      if (this.clientId !== undefined) e.clientId = this.clientId;
      emit(e as Omit<RecordEvent, 'seq' | 'wall'>);
    }
    if (error !== undefined) {
      emit({ t, kind: 'decision', decision: 'undecodable-bytes', conn: this.id, clientId: this.clientId, dir,
        reason: `the ${dir === 'in' ? 'device' : 'broker'} sent bytes that are not MQTT: ${error}` });
    }
  }
}

export class TrafficRecord {
  readonly startedWall = Date.now();
  private readonly startedMono = performance.now();
  private pending: Pending[] = [];
  private readonly memory: RecordEvent[] = [];
  private readonly keep: boolean;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;
  private seq = 0;
  private connCount = 0;
  private closed = false;
  readonly path: string | undefined;
  private readonly flushIntervalMs: number;
  private readonly exitHook = () => this.flush();

  constructor(opts: RecordOptions = {}) {
    this.path = opts.path;
    this.keep = opts.keepInMemory ?? true;
    this.flushIntervalMs = opts.flushIntervalMs ?? 25;
    if (this.path) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'w');
      // a crash still leaves everything captured so far on disk
      process.on('exit', this.exitHook);
    }
    const header = { format: RECORD_FORMAT, version: RECORD_VERSION, started: new Date(this.startedWall).toISOString(), ...opts.meta };
    this.add('meta', header);
  }

  /** ms since the record started */
  now(): number { return performance.now() - this.startedMono; }

  openConnection(transport: string, remote?: string): RecordedConnection {
    const conn = new RecordedConnection(this, `c${++this.connCount}`, transport);
    this.add('connection', { action: 'open', conn: conn.id, transport, remote });
    return conn;
  }

  /** hot path: remember the chunk, decode later */
  pushRaw(c: RecordedConnection, d: Direction, b: Buffer | string): void {
    if (this.closed) return;
    this.pending.push({ c, d, t: performance.now() - this.startedMono, b });
    if (this.timer === undefined) this.schedule();
  }

  /** any other event: a broker decision, a platform change, a console line, a step */
  add(kind: string, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.pending.push({ e: { ...fields, t: this.now(), kind } });
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** decode and write everything captured so far; queries call this first */
  flush(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const lines: string[] = [];
    const emit = (partial: Omit<RecordEvent, 'seq' | 'wall'>) => {
      const e = partial as RecordEvent;
      e.seq = ++this.seq;
      e.wall = new Date(this.startedWall + e.t).toISOString();
      e.t = Math.round(e.t * 1000) / 1000;
      // key order in the file: seq, t, wall, kind, then the rest
      const { seq, t, wall, kind, ...rest } = e;
      const ordered = { seq, t, wall, kind, ...rest } as RecordEvent;
      if (this.fd !== undefined) lines.push(JSON.stringify(ordered));
      if (this.keep) this.memory.push(ordered);
      for (const l of this.listeners) l(ordered);
    };
    for (const p of batch) {
      if ('e' in p) emit(p.e);
      else p.c.decode(p.d, p.b, p.t, emit);
    }
    if (this.fd !== undefined && lines.length > 0) writeSync(this.fd, lines.join('\n') + '\n');
  }

  /** every event so far, in order */
  events(): readonly RecordEvent[] {
    this.flush();
    return this.memory;
  }

  select(filter: EventFilter): RecordEvent[] {
    return this.events().filter((e) => matches(e, filter));
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** the first event (already recorded or still to come) that matches, or a rejection after timeoutMs */
  eventually(filter: EventFilter, timeoutMs: number, since = 0): Promise<RecordEvent> {
    const found = this.events().find((e) => e.seq > since && matches(e, filter));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const off = this.onEvent((e) => {
        if (e.seq > since && matches(e, filter)) { clearTimeout(timer); clearInterval(poll); off(); resolve(e); }
      });
      // captured bytes wait for the flush timer; poll so a match is seen promptly
      const poll = setInterval(() => this.flush(), 10);
      const timer = setTimeout(() => {
        clearInterval(poll); off();
        reject(new Error(`no event matching ${JSON.stringify(filter)} within ${timeoutMs} ms (record has ${this.seq} events${this.path ? `, full record: ${this.path}` : ''})`));
      }, timeoutMs);
    });
  }

  close(): void {
    if (this.closed) return;
    this.add('meta', { closed: new Date().toISOString() });
    this.flush();
    this.closed = true;
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; process.off('exit', this.exitHook); }
  }
}
