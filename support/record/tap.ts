// Taps a connection so every chunk reaches the record without an extra stream layer. Reads are
// caught at push(); writes at _write/_writev, i.e. after mqtt-packet's corked pieces are gathered,
// so a packet is one capture and the socket keeps its own writev batching.
import type { Duplex } from 'node:stream';
import type { RecordedConnection } from './record.ts';

/** inspect may return false to keep a chunk from the broker (the connection is being closed) */
export type Inspector = (chunk: Buffer) => boolean;

type WriteCb = (err?: Error | null) => void;
type Piece = Buffer | { chunk: Buffer | string; encoding?: BufferEncoding };

export function tapConnection(stream: Duplex, conn: RecordedConnection, inspect?: Inspector): void {
  const push = stream.push;
  stream.push = function tappedPush(this: Duplex, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Buffer);
      conn.in(buf);
      if (inspect && !inspect(buf)) return false;
    }
    return push.call(this, chunk, encoding);
  };
  const s = stream as unknown as { _write: (c: Buffer | string, e: BufferEncoding, cb: WriteCb) => void; _writev?: (cs: Piece[], cb: WriteCb) => void };
  const write = s._write;
  s._write = function tappedWrite(chunk, encoding, cb) {
    conn.out(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    return write.call(this, chunk, encoding, cb);
  };
  const writev = s._writev;
  if (writev) {
    s._writev = function tappedWritev(chunks, cb) {
      conn.out(chunks);
      return writev.call(this, chunks, cb);
    };
  }
}
