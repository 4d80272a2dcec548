// What the broker writes to a connection during one turn of the event loop goes to the socket in
// one system call. mqtt-packet corks a stream only until the next tick, so a burst (a subscriber's
// share of a publisher's batch, the PUBACKs of a batch) costs a write per packet; the broker spent
// more time in writev than anywhere else (bench/broker-throughput.bench.ts profiled). Holding the
// cork until the turn's setImmediate keeps every packet's order and delays none past the turn.
import type { Duplex } from 'node:stream';

export function coalesceWrites(stream: Duplex): void {
  const write = stream.write;
  let held = false;
  const release = () => {
    held = false;
    stream.uncork();
  };
  // every piece of every packet passes here: no rest array, no apply
  stream.write = function coalescedWrite(this: Duplex, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (!held && !this.writableEnded && !this.destroyed) {
      held = true;
      this.cork();
      setImmediate(release);
    }
    return (write as (c: unknown, e?: unknown, f?: unknown) => boolean).call(this, chunk, encoding, cb);
  } as Duplex['write'];
}
