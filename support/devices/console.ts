// A line console to a device: what it sent and what we sent go into the record, and steps wait
// for a line that matches (or fails) within a timeout.
import type { TrafficRecord } from '../record/record.ts';

export interface WaitSpec {
  expect?: RegExp;
  fail?: RegExp;
  timeoutMs: number;
  /** only lines that arrived after this mark count */
  since: number;
  /** what the wait is for, in the error */
  what: string;
}

export class ConsoleError extends Error {}

export interface ConsoleMatch {
  match: RegExpMatchArray;
  line: string;
  index: number;
}

export abstract class LineConsole {
  /** every line received, in order */
  readonly received: string[] = [];
  private waiters: {
    spec: WaitSpec;
    resolve: (m: ConsoleMatch) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  }[] = [];
  private broken: Error | undefined;
  /** secrets sent so far: a console that echoes what it is sent must not put them in the record either */
  private readonly secrets = new Set<string>();

  constructor(
    readonly device: string,
    protected record: TrafficRecord | undefined,
    readonly describe: string,
  ) {}

  /** where console lines go from now on (a device outlives the scenarios it serves) */
  setRecord(record: TrafficRecord | undefined): void {
    this.record = record;
  }

  /** write one line to the device; any of `secrets` in it is masked in the record (passwords never enter it) */
  async send(line: string, secrets: readonly string[] = []): Promise<void> {
    if (this.broken) throw this.broken;
    for (const s of secrets) if (s.length > 0) this.secrets.add(s);
    this.record?.add('console', { device: this.device, dir: 'tx', line: this.masked(line) });
    await this.write(line);
  }

  private masked(line: string): string {
    let shown = line;
    for (const s of this.secrets) shown = shown.replaceAll(s, '***');
    return shown;
  }

  protected abstract write(line: string): Promise<void>;
  abstract close(): Promise<void>;

  /** the position after the last line received: waits from here see only newer lines */
  mark(): number {
    return this.received.length;
  }

  /**
   * implementations call this for each line the device sends; `arrived` is when its first byte
   * came (performance.now()), so the record places the line before the packets it caused
   */
  protected receive(line: string, arrived?: number): void {
    this.received.push(line);
    this.record?.add('console', { device: this.device, dir: 'rx', line: this.masked(line) }, arrived);
    const index = this.received.length - 1;
    this.waiters = this.waiters.filter((w) => !this.settle(w, line, index));
  }

  /** the console cannot be used any more: every wait fails with this error */
  protected breakWith(err: Error): void {
    this.broken = err;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters = [];
  }

  private settle(w: (typeof this.waiters)[number], line: string, index: number): boolean {
    if (index < w.spec.since) return false;
    const failed = w.spec.fail ? line.match(w.spec.fail) : null;
    if (failed) {
      clearTimeout(w.timer);
      w.reject(
        new ConsoleError(`${this.device}: ${w.spec.what} failed: the device said "${line}" (matches ${w.spec.fail})`),
      );
      return true;
    }
    const ok = w.spec.expect ? line.match(w.spec.expect) : null;
    if (ok) {
      clearTimeout(w.timer);
      w.resolve({ match: ok, line, index });
      return true;
    }
    return false;
  }

  /** the first line since the mark that matches expect (or fails on fail), within the timeout */
  waitFor(spec: WaitSpec): Promise<ConsoleMatch> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const w = { spec, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      for (let i = spec.since; i < this.received.length; i++) if (this.settle(w, this.received[i]!, i)) return;
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        const tail = this.received.slice(Math.max(spec.since, this.received.length - 8));
        reject(
          new ConsoleError(
            `${this.device}: ${spec.what}: no line matching ${spec.expect} within ${spec.timeoutMs} ms on ${this.describe}; ` +
              (tail.length
                ? `the last lines were: ${tail.map((l) => JSON.stringify(l)).join(', ')}`
                : 'the device said nothing'),
          ),
        );
      }, spec.timeoutMs);
      this.waiters.push(w);
    });
  }
}
