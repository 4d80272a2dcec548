// Cuts one direction of a connection's bytes into MQTT packets and lets each through, drops it,
// or holds it and everything after it for a while (a slow link keeps order). The harness's
// platform faults (a lost or late acknowledgement, a black-holed link) are decisions of this.

/** what becomes of a packet: through, dropped, or held (with what follows) for this many ms */
export type FrameVerdict = 'pass' | 'drop' | { holdMs: number };

export class FrameFilter {
  private skip = 0;
  /** bytes of the current packet's fixed header read so far (0: the next byte starts a packet) */
  private headerBytes = 0;
  private remaining = 0;
  private multiplier = 1;
  /** the current packet's bytes are dropped */
  private dropping = false;
  private held: Buffer[] | undefined;

  constructor(
    /** asked once per packet, when its first byte (the type) arrives */
    private readonly decide: (type: number) => FrameVerdict,
    private readonly emit: (bytes: Buffer) => void,
  ) {}

  write(chunk: Buffer): void {
    // nothing dropped or held: the chunk goes on as it came (no copy, no pieces), the common case
    // by far; `out` exists only once a packet of this chunk is dropped or held
    const clean = !this.dropping && this.held === undefined;
    let out: Buffer[] | undefined;
    let from = 0; // start of the run of bytes kept so far
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const b = chunk[i++]!;
      if (this.headerBytes === 0) {
        this.headerBytes = 1;
        this.remaining = 0;
        this.multiplier = 1;
        const v = this.decide(b >> 4);
        if (v === 'pass' && out === undefined && !this.dropping && this.held === undefined) continue;
        // a packet starts here: the bytes before it belong to the previous one
        out ??= [];
        if (!this.dropping && i - 1 > from) out.push(chunk.subarray(from, i - 1));
        from = i - 1;
        this.dropping = v === 'drop';
        if (typeof v === 'object' && this.held === undefined) this.startHold(out, v.holdMs);
        continue;
      }
      // the remaining length: up to four bytes, seven bits each, the high bit says more follow
      this.remaining += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes++;
      if ((b & 0x80) !== 0 && this.headerBytes < 5) continue;
      this.headerBytes = 0;
      this.skip = this.remaining;
    }
    if (out === undefined && clean && !this.dropping && this.held === undefined) return this.emit(chunk);
    out ??= [];
    if (!this.dropping && chunk.length > from) out.push(chunk.subarray(from));
    this.send(out);
  }

  /** from here on (the bytes kept before this packet go now), everything waits until the time is up */
  private startHold(before: Buffer[], ms: number): void {
    this.send(before.splice(0));
    this.held = [];
    setTimeout(() => {
      const held = this.held ?? [];
      this.held = undefined;
      if (held.length > 0) this.emit(Buffer.concat(held));
    }, ms).unref();
  }

  private send(pieces: Buffer[]): void {
    if (pieces.length === 0) return;
    if (this.held) this.held.push(...pieces);
    else this.emit(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  }
}

/**
 * The same decisions over bytes that hold whole packets (what the broker writes in one call): the
 * packets to write now, and those from the first late one on, to write after `holdMs` (a late
 * packet holds what follows it, not what the broker wrote before it in the same turn).
 */
export function filterWhole(
  bytes: Buffer,
  decide: (type: number, packet: Buffer) => FrameVerdict,
): { now: Buffer; later: Buffer; holdMs: number } {
  const now: Buffer[] = [];
  const later: Buffer[] = [];
  let holdMs = 0;
  let i = 0;
  while (i < bytes.length) {
    let n = 1;
    let remaining = 0;
    let mult = 1;
    for (; n < 5 && i + n < bytes.length; n++) {
      remaining += (bytes[i + n]! & 0x7f) * mult;
      mult *= 128;
      if ((bytes[i + n]! & 0x80) === 0) break;
    }
    const end = Math.min(bytes.length, i + n + 1 + remaining);
    const v = decide(bytes[i]! >> 4, bytes.subarray(i, end));
    if (typeof v === 'object') holdMs = Math.max(holdMs, v.holdMs);
    if (v !== 'drop') (holdMs > 0 ? later : now).push(bytes.subarray(i, end));
    i = end;
  }
  const joined = (pieces: Buffer[]) => (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  return { now: joined(now), later: joined(later), holdMs };
}
