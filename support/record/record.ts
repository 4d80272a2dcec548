// The scenario's single ordered record. On the broker's thread, capture costs a reference and a
// timestamp per chunk; decoding, JSON and disk happen on the record writer thread, in capture
// order, so broker decisions stay interleaved with the packets around them. Queries wait until
// everything captured so far is on disk, then read the new lines back.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { ITEM_EVENT, ITEM_IN, ITEM_OUT, type Batch, type WriterMessage } from './batch.ts';
import { RECORD_FORMAT, RECORD_VERSION, type Direction, type RecordEvent } from './events.ts';
import { matches, type EventFilter } from './query.ts';

export interface RecordOptions {
  /** JSONL file the record streams to; without one it goes to a temporary file removed on close */
  path?: string;
  /** how long captured bytes may wait before they go to the writer thread (ms) */
  flushIntervalMs?: number;
  /** free-form fields for the header line (scenario name, run id, …) */
  meta?: Record<string, unknown>;
  /**
   * the most events events() keeps in memory (the latest; the file keeps all): for a broker that
   * runs for days. Default: all of them, as a scenario's checks read its whole record
   */
  memoryWindow?: number;
  /**
   * forensic runs: each chunk a device sends is in the file (written to the OS, so a kill -9
   * cannot lose it) before the broker reads it, and so before it acknowledges anything in it
   */
  syncInbound?: boolean;
}

export type Listener = (e: RecordEvent) => void;
type Chunk = Buffer | string | readonly (Buffer | { chunk: Buffer | string; encoding?: BufferEncoding })[];

/** how long a query waits for the writer thread before it says so */
const WRITER_TIMEOUT_MS = 30_000;

let writer: Worker | undefined;
function writerThread(): Worker {
  if (!writer) {
    writer = new Worker(new URL('./writer-thread.mjs', import.meta.url));
    writer.unref(); // the owner of a record keeps the process alive, not the writer
    writer.on('error', (err) => { process.stderr.write(`c8y-hil: the record writer failed: ${err.message}\n`); writer = undefined; });
  }
  return writer;
}

/** the writer thread collects its garbage too (support/broker/idle-gc.ts) */
export function collectWriterGarbage(): void {
  writer?.postMessage({ op: 'gc' } satisfies WriterMessage);
}

let nextRecordId = 0;

/** One connection's view into the record: the transport calls in()/out() with raw chunks. */
export class RecordedConnection {
  constructor(readonly record: TrafficRecord, readonly id: string, readonly number: number, readonly transport: string) {}
  in(chunk: Buffer): void { this.record.pushRaw(this.number, ITEM_IN, chunk); }
  out(chunk: Chunk): void { this.record.pushRaw(this.number, ITEM_OUT, chunk); }
}

export class TrafficRecord {
  readonly startedWall = Date.now();
  readonly path: string;
  private readonly startedMono = performance.now();
  private readonly id = ++nextRecordId;
  private readonly temporary: boolean;
  private readonly flushIntervalMs: number;
  // the batch being gathered, as parallel arrays
  private kinds: number[] = [];
  private refs: number[] = [];
  private ts: number[] = [];
  private data: (Chunk | undefined)[] = [];
  private eventsJson: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  // what the writer has done, and what has been read back
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private posted = 0;
  private readFd: number | undefined;
  private readOffset = 0;
  private partial = '';
  private memory: RecordEvent[] = [];
  private readonly memoryWindow: number;
  private readonly syncInbound: boolean;
  private readonly listeners = new Set<Listener>();
  private connCount = 0;
  private closed = false;
  private readonly exitHook = () => this.sync();

  constructor(opts: RecordOptions = {}) {
    this.temporary = !opts.path;
    this.path = opts.path ?? join(tmpdir(), 'c8y-hil-records', `${process.pid}-${this.id}-${Date.now()}.jsonl`);
    this.flushIntervalMs = opts.flushIntervalMs ?? 25;
    this.memoryWindow = opts.memoryWindow ?? Infinity;
    this.syncInbound = opts.syncInbound ?? false;
    mkdirSync(dirname(this.path), { recursive: true });
    this.post({ op: 'open', id: this.id, path: this.path, startedWall: this.startedWall, done: this.done });
    // a crash still leaves everything captured up to it on disk
    process.on('exit', this.exitHook);
    this.add('meta', { format: RECORD_FORMAT, version: RECORD_VERSION, started: new Date(this.startedWall).toISOString(), ...opts.meta });
  }

  /** ms since the record started */
  now(): number { return performance.now() - this.startedMono; }

  /** connections opened so far */
  get connectionsOpened(): number {
    return this.connCount;
  }

  openConnection(transport: string, remote?: string): RecordedConnection {
    const n = ++this.connCount;
    const conn = new RecordedConnection(this, `c${n}`, n, transport);
    this.add('connection', { action: 'open', conn: conn.id, transport, remote });
    return conn;
  }

  /** hot path: remember the chunk, decode it on the writer thread */
  pushRaw(conn: number, kind: typeof ITEM_IN | typeof ITEM_OUT, data: Chunk): void {
    if (this.closed) return;
    this.kinds.push(kind); this.refs.push(conn); this.ts.push(performance.now() - this.startedMono); this.data.push(data);
    if (this.syncInbound && kind === ITEM_IN) this.sync();
    else if (this.timer === undefined) this.schedule();
  }

  /** any other event: a broker decision, a platform change, a console line, a step */
  add(kind: string, fields: Record<string, unknown> = {}, at?: number): void {
    if (this.closed) return;
    // at: when it happened (performance.now()), when that was before it was added (a console line's first byte)
    const t = at === undefined ? this.now() : Math.min(this.now(), Math.max(0, at - this.startedMono));
    this.kinds.push(ITEM_EVENT); this.refs.push(this.eventsJson.length); this.ts.push(t); this.data.push(undefined);
    this.eventsJson.push(JSON.stringify({ ...fields, t, kind }));
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  private post(m: WriterMessage, transfer: ArrayBuffer[] = []): void {
    this.posted++;
    writerThread().postMessage(m, transfer);
  }

  /** hand everything captured so far to the writer thread */
  flush(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    const n = this.kinds.length;
    if (n === 0) return;
    let total = 0;
    for (const d of this.data) total += byteLength(d);
    const bytes = new ArrayBuffer(total);
    const view = Buffer.from(bytes);
    const ends = new Int32Array(n);
    let off = 0;
    for (let i = 0; i < n; i++) {
      off = copyInto(view, off, this.data[i]);
      ends[i] = off;
    }
    const batch: Batch = {
      op: 'batch', id: this.id, bytes, kinds: Uint8Array.from(this.kinds), refs: Int32Array.from(this.refs), ends,
      ts: Float64Array.from(this.ts), events: this.eventsJson,
    };
    this.kinds = []; this.refs = []; this.ts = []; this.data = []; this.eventsJson = [];
    this.post(batch, [bytes, batch.kinds.buffer as ArrayBuffer, batch.refs.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, batch.ts.buffer as ArrayBuffer]);
  }

  /** flush and wait until the writer has put all of it on disk */
  sync(): void {
    this.flush();
    const deadline = Date.now() + WRITER_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(this.done, 0);
      if (seen >= this.posted) return;
      if (Date.now() > deadline) throw new Error(`the record writer did not finish ${this.path} within ${WRITER_TIMEOUT_MS} ms`);
      Atomics.wait(this.done, 0, seen, 1000);
    }
  }

  /** read the lines the writer added since the last read */
  private readBack(): void {
    this.readFd ??= openSync(this.path, 'r');
    const size = fstatSync(this.readFd).size;
    if (size <= this.readOffset) return;
    const buf = Buffer.alloc(size - this.readOffset);
    readSync(this.readFd, buf, 0, buf.length, this.readOffset);
    this.readOffset = size;
    const text = this.partial + buf.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      const e = JSON.parse(line) as RecordEvent;
      this.memory.push(e);
      if (this.memory.length >= 2 * this.memoryWindow) this.memory = this.memory.slice(-this.memoryWindow);
      for (const l of this.listeners) l(e);
    }
  }

  /** every event so far, in order */
  events(): readonly RecordEvent[] {
    if (!this.closed) this.sync();
    this.readBack();
    return this.memory;
  }

  select(filter: EventFilter): RecordEvent[] {
    return this.events().filter((e) => matches(e, filter));
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves when the writer has put more of the record on disk, or after timeoutMs: a wait that
   * wakes on each new batch of events rather than on a timer.
   */
  async written(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.flush();
    const seen = Atomics.load(this.done, 0);
    const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } })
      .waitAsync(this.done, 0, seen, Math.max(0, timeoutMs));
    if (wait.async) await wait.value;
  }

  /** the first event after `since` (already recorded or still to come) that matches, or a rejection after timeoutMs */
  eventually(filter: EventFilter, timeoutMs: number, since = 0): Promise<RecordEvent> {
    const found = this.events().find((e) => e.seq > since && matches(e, filter));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const off = this.onEvent((e) => {
        if (e.seq > since && matches(e, filter)) { clearTimeout(timer); clearInterval(poll); off(); resolve(e); }
      });
      // nothing reads the record unless asked: poll so a match is seen promptly
      const poll = setInterval(() => { if (!this.closed) this.events(); }, 10);
      const timer = setTimeout(() => {
        clearInterval(poll); off();
        reject(new Error(`no event matching ${describeFilter(filter)} within ${timeoutMs} ms (the record has ${this.memory.length} events; full record: ${this.path})`));
      }, timeoutMs);
    });
  }

  close(): void {
    if (this.closed) return;
    this.add('meta', { closed: new Date().toISOString() });
    this.flush();
    this.post({ op: 'close', id: this.id });
    this.sync();
    // a temporary file goes away now, so read it first; a named one is read back only if asked
    if (this.temporary) this.readBack();
    this.closed = true;
    process.off('exit', this.exitHook);
    if (this.readFd !== undefined) { closeSync(this.readFd); this.readFd = undefined; }
    if (this.temporary) rmSync(this.path, { force: true });
  }
}

function describeFilter(f: EventFilter): string {
  return JSON.stringify(f, (k, v) => (k === 'where' ? '<condition>' : v instanceof RegExp ? String(v) : v));
}

// _writev hands over an array of buffers, or of { chunk, encoding } when strings are among them
type Piece = Buffer | { chunk: Buffer | string; encoding?: BufferEncoding };

function pieceLength(p: Piece): number {
  if (Buffer.isBuffer(p)) return p.length;
  return typeof p.chunk === 'string' ? Buffer.byteLength(p.chunk, p.encoding) : p.chunk.length;
}

function byteLength(d: Chunk | undefined): number {
  if (d === undefined) return 0;
  if (typeof d === 'string') return Buffer.byteLength(d);
  if (Buffer.isBuffer(d)) return d.length;
  let n = 0;
  for (const p of d) n += pieceLength(p);
  return n;
}

function copyPiece(view: Buffer, off: number, p: Piece): number {
  if (Buffer.isBuffer(p)) return off + p.copy(view, off);
  return off + (typeof p.chunk === 'string' ? view.write(p.chunk, off, p.encoding) : p.chunk.copy(view, off));
}

function copyInto(view: Buffer, off: number, d: Chunk | undefined): number {
  if (d === undefined) return off;
  if (typeof d === 'string') return off + view.write(d, off);
  if (Buffer.isBuffer(d)) return off + d.copy(view, off);
  for (const p of d) off = copyPiece(view, off, p);
  return off;
}

export type { Direction };
