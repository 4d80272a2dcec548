// Taps a connection's own push/write so every chunk reaches the record without an extra stream
// layer: the socket keeps its writev batching, and capture costs a reference and a timestamp.
import type { Duplex } from 'node:stream';
import type { RecordedConnection } from './record.ts';

/** inspect may return false to keep a chunk from the broker (the connection is being closed) */
export type Inspector = (chunk: Buffer) => boolean;

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
  const write = stream.write;
  stream.write = function tappedWrite(this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    conn.out(chunk as Buffer | string);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  };
}
