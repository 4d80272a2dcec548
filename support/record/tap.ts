// Taps a connection so every chunk reaches the record without an extra stream layer. Reads are
// caught at push(); writes at _write/_writev, i.e. after mqtt-packet's corked pieces are gathered,
// so a packet is one capture and the socket keeps its own writev batching.
import type { Duplex } from 'node:stream';
import type { RecordedConnection } from './record.ts';

/** inspect may return false to keep a chunk from the broker (the connection is being closed) */
export type Inspector = (chunk: Buffer) => boolean;

type WriteCb = (err?: Error | null) => void;
type Piece = Buffer | { chunk: Buffer | string; encoding?: BufferEncoding };

/**
 * The harness's faults on a link: `in` takes what arrived (after the record saw it) and pushes on
 * what the broker is to read; `out` says, for what the broker writes, what reaches the wire now
 * and what after how long (undefined: all of it, now). Both are asked only while a fault is armed.
 */
export interface LinkFilter {
  in?(chunk: Buffer, push: (b: Buffer) => void): boolean;
  out?(bytes: Buffer): { now: Buffer; later: Buffer; holdMs: number } | undefined;
  /** a fault is armed on what the broker writes */
  outArmed?(): boolean;
}

export function tapConnection(
  stream: Duplex,
  conn: RecordedConnection,
  inspect?: Inspector,
  faults?: LinkFilter,
): void {
  const push = stream.push;
  stream.push = function tappedPush(this: Duplex, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Buffer);
      conn.in(buf);
      if (inspect && !inspect(buf)) return false;
      if (faults?.in) return faults.in(buf, (b) => void push.call(this, b));
    }
    return push.call(this, chunk, encoding);
  };
  const s = stream as unknown as {
    _write: (c: Buffer | string, e: BufferEncoding, cb: WriteCb) => void;
    _writev?: (cs: Piece[], cb: WriteCb) => void;
  };
  const write = s._write;
  /** what the broker wrote, after the faults: recorded as it goes on the wire, the late part held */
  const faulty = (self: Duplex, bytes: Buffer, cb: WriteCb): boolean => {
    const f = faults?.out?.(bytes);
    if (!f) return false;
    const send = (b: Buffer, done: WriteCb) => {
      if (b.length === 0) return done();
      conn.out(b);
      write.call(self, b, 'buffer' as BufferEncoding, done);
    };
    const rest = () => (f.holdMs > 0 ? setTimeout(() => send(f.later, cb), f.holdMs) : send(f.later, cb));
    send(f.now, (err) => (err ? cb(err) : rest()));
    return true;
  };
  s._write = function tappedWrite(chunk, encoding, cb) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    if (faults?.outArmed?.() && faulty(this as unknown as Duplex, buf, cb)) return;
    conn.out(buf);
    return write.call(this, chunk, encoding, cb);
  };
  const writev = s._writev;
  if (writev) {
    s._writev = function tappedWritev(chunks, cb) {
      if (faults?.outArmed?.()) {
        const buf = Buffer.concat(
          chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c.chunk as string, c.encoding))),
        );
        if (faulty(this as unknown as Duplex, buf, cb)) return;
      }
      conn.out(chunks);
      return writev.call(this, chunks, cb);
    };
  }
}
