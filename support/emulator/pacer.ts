// How fast the firmware sends. Normally at once; after the platform cut the link while messages
// were still unacknowledged (what Cumulocity does to a client over its rate limit), one message at
// a time, each after the previous one was acknowledged and a gap, for a while: the device slows
// down instead of being disconnected again and again.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Pacer {
  private readonly pending = new Set<Promise<void>>();
  private chain: Promise<unknown> = Promise.resolve();
  private slowUntil = 0;

  constructor(
    /** the gap between two messages while slow */
    readonly gapMs = 500,
    /** how long it stays slow after the cut */
    readonly forMs = 60_000,
    /** the longest it waits for the messages in flight at the cut before it goes on */
    readonly drainMs = 5_000,
  ) {}

  /** messages sent and not yet acknowledged */
  get inFlight(): number {
    return this.pending.size;
  }

  get slow(): boolean {
    return performance.now() < this.slowUntil;
  }

  /** the link was cut with messages in flight: from now on, slowly, after those are through */
  slowDown(): void {
    this.slowUntil = performance.now() + this.forMs;
    this.chain = Promise.race([Promise.allSettled([...this.pending]), sleep(this.drainMs)]);
  }

  /** sends at once, or when slow, after the previous message was acknowledged and the gap */
  run(send: () => Promise<void>): Promise<void> {
    const go = () => {
      const p = send();
      this.pending.add(p);
      p.then(
        () => this.pending.delete(p),
        () => this.pending.delete(p),
      );
      return p;
    };
    if (!this.slow) return go();
    const turn = this.chain.then(() => sleep(this.gapMs)).then(go);
    this.chain = turn.catch(() => {});
    return turn;
  }
}
