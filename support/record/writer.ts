// The record writer, on its own thread: decodes captured bytes, numbers the events and appends
// them to the JSONL file. Each message handled bumps the record's shared counter, so the
// broker's thread can wait for "everything so far is on disk".
import { closeSync, openSync, writeSync } from 'node:fs';
import { ConnectionDecoder } from './decoder.ts';
import { ITEM_EVENT, ITEM_IN, type Batch, type WriterMessage } from './batch.ts';

export interface OpenFile {
  fd: number;
  seq: number;
  startedWall: number;
  done: Int32Array;
  conns: Map<number, ConnectionDecoder>;
  /** connections closed, oldest first: their decoders go once CLOSED_KEPT more have closed */
  closed: number[];
}

/**
 * A closed connection's decoder stays a little (an event may still name one of its PUBLISHes as
 * its cause), then goes: a broker that sees a million connections keeps only the open ones.
 */
export const CLOSED_KEPT = 64;

const files = new Map<number, OpenFile>();

// consecutive events mostly share a millisecond: format each wall-clock instant once
let lastWallMs = NaN;
let lastWallIso = '';
function wallOf(f: OpenFile, t: number): string {
  const ms = Math.floor(f.startedWall + t);
  if (ms !== lastWallMs) {
    lastWallMs = ms;
    lastWallIso = new Date(ms).toISOString();
  }
  return lastWallIso;
}

/** a batch's JSONL text, gathered as bytes so no large string is ever built */
class LineBuffer {
  private buf = Buffer.allocUnsafe(1 << 20);
  length = 0;
  push(line: string): void {
    // a UTF-16 unit is at most 3 bytes of UTF-8: room for that spares measuring the line first
    const need = line.length * 3 + 1;
    if (this.length + need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + need));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(line, this.length);
    this.buf[this.length++] = 10;
  }
  flushTo(fd: number): void {
    if (this.length > 0) writeSync(fd, this.buf, 0, this.length);
    this.length = 0;
  }
}
const out = new LineBuffer();

function serialise(f: OpenFile, e: Record<string, unknown>, lines: LineBuffer): void {
  const t = e.t as number;
  const head = `{"seq":${++f.seq},"t":${Math.round(t * 1000) / 1000},"wall":"${wallOf(f, t)}","kind":`;
  if (e.kind === 'packet') {
    if (e.dir === 'in' && e.type === 'publish') f.conns.get(connNumber(e.conn))?.publishSeqs.push(f.seq);
    // the hot path, written by hand; the field order is the one documented for the JSONL format
    lines.push(
      `${head}"packet","conn":"${e.conn}","transport":"${e.transport}","dir":"${e.dir}",` +
        `"type":"${e.type}","size":${e.size},` +
        `"packet":${e.packetJson}${e.clientIdJson === undefined ? '' : `,"clientId":${e.clientIdJson}`}}`,
    );
    return;
  }
  const { t: _t, kind, ...rest } = e as { t: number; kind: string } & Record<string, unknown>;
  // an event caused by the nth PUBLISH of a connection names that packet's seq
  const cause = rest.cause as { conn?: string; publish?: number } | undefined;
  if (cause?.conn !== undefined && cause.publish !== undefined) {
    const seq = f.conns.get(connNumber(cause.conn))?.publishSeqs.of(cause.publish);
    if (seq !== undefined) rest.causeSeq = seq;
  }
  if (kind === 'connection' && rest.action === 'open') {
    f.conns.set(connNumber(rest.conn), new ConnectionDecoder(String(rest.conn), String(rest.transport)));
  }
  if (kind === 'connection' && rest.action === 'close') {
    f.closed.push(connNumber(rest.conn));
    if (f.closed.length > CLOSED_KEPT) f.conns.delete(f.closed.shift()!);
  }
  const body = JSON.stringify(rest);
  lines.push(`${head}${JSON.stringify(kind)}${body.length > 2 ? ',' + body.slice(1) : '}'}`);
}

/** connections are named c1, c2, …: the number is the key */
function connNumber(conn: unknown): number {
  return Number(String(conn).slice(1));
}

export function handleBatch(f: OpenFile, b: Batch): void {
  const bytes = Buffer.from(b.bytes);
  const emit = (e: Record<string, unknown>) => serialise(f, e, out);
  let start = 0;
  for (let i = 0; i < b.kinds.length; i++) {
    const kind = b.kinds[i]!;
    if (kind === ITEM_EVENT) {
      emit(JSON.parse(b.events[b.refs[i]!]!));
      continue;
    }
    const end = b.ends[i]!;
    const conn = f.conns.get(b.refs[i]!);
    if (conn) conn.decode(kind === ITEM_IN ? 'in' : 'out', bytes.subarray(start, end), b.ts[i]!, emit);
    start = end;
  }
  out.flushTo(f.fd);
}

export function handle(m: Exclude<WriterMessage, { op: 'gc' }>): void {
  if (m.op === 'open') {
    files.set(m.id, {
      fd: openSync(m.path, 'w'),
      seq: 0,
      startedWall: m.startedWall,
      done: m.done,
      conns: new Map(),
      closed: [],
    });
    bump(m.done);
    return;
  }
  const f = files.get(m.id);
  if (!f) return;
  try {
    if (m.op === 'batch') handleBatch(f, m);
    else {
      closeSync(f.fd);
      files.delete(m.id);
    }
  } finally {
    bump(f.done);
  }
}

function bump(done: Int32Array): void {
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
}
