// A device's messages per second, as the platform limits them: over the limit its messages are
// queued (held, in order, before the broker acts on them, so their acknowledgements come late
// too); when more wait than the queue holds the device is disconnected, and after it comes back
// it is disconnected again on its first message while it is still over the limit.

export interface RateLimit {
  /** messages a second the device may send */
  perSecond: number;
  /** messages held back before the device is disconnected */
  queue: number;
}

export type RateDecision = 'pass' | { holdMs: number } | 'disconnect';

export class DeviceRate {
  private readonly times: number[] = [];
  private disconnected = false;
  private firstOnConnection = true;

  constructor(readonly limit: RateLimit) {
    if (!(limit.perSecond >= 1) || !Number.isInteger(limit.perSecond))
      throw new Error(`a rate limit is a whole number of messages a second, 1 or more, not ${limit.perSecond}`);
    if (!(limit.queue >= 0) || !Number.isInteger(limit.queue))
      throw new Error(`a rate limit's queue holds 0 messages or more, not ${limit.queue}`);
  }

  /** a new connection of the device: its first message is judged on its own (`now`: the clock decide is given) */
  connected(now = performance.now()): void {
    this.firstOnConnection = true;
    // what was held on the old connection died with it: it never reached the platform
    this.times.splice(0, this.times.length, ...this.times.filter((t) => t <= now));
  }

  /**
   * What becomes of a message the device sends now (ms on a monotonic clock); `behind` is how
   * many of its messages arrived after this one and wait for it (the broker takes them in order).
   */
  decide(now: number, behind = 0): RateDecision {
    while (this.times.length > 0 && now - this.times[0]! >= 1000) this.times.shift();
    const first = this.firstOnConnection;
    this.firstOnConnection = false;
    const over = this.times.length >= this.limit.perSecond;
    if (first && this.disconnected && over) return 'disconnect';
    if (!over) {
      this.times.push(now);
      return 'pass';
    }
    // held: this one, those still waiting their turn (scheduled later than now) and those behind it are the queue
    const waiting = this.times.filter((t) => t > now).length;
    if (waiting + 1 + behind > this.limit.queue) {
      this.disconnected = true;
      return 'disconnect';
    }
    // its turn: a second after the message a full second's worth before it
    const at = Math.max(now, this.times[this.times.length - this.limit.perSecond]! + 1000);
    this.times.push(at);
    return { holdMs: at - now };
  }
}
