// A console over a link that can vanish and come back: a USB tty re-enumerating after a reset, a
// ser2net port restarting, a lab network blip. Every such console shares this: line framing,
// and waiting for the link to return (within the profile's reattachTimeout) before failing every
// wait clearly. A subclass only says how to open its link.
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError, LineConsole } from './console.ts';

/** an open link: write bytes, close it; the subclass reports input and loss through the console */
export interface ConsoleLink {
  write(data: string): Promise<void>;
  close(): Promise<void>;
}

export abstract class ReattachingConsole extends LineConsole {
  private link: ConsoleLink | undefined;
  private closing = false;
  private reattaching: Promise<void> | undefined;
  private partial = '';
  /** when the first byte of the unfinished line came (performance.now()) */
  private partialSince = 0;

  constructor(
    device: string,
    record: TrafficRecord | undefined,
    describe: string,
    private readonly newline: string,
    private readonly reattachTimeoutMs: number,
  ) {
    super(device, record, describe);
  }

  /** open the link; call `bytes` for what arrives and `lost` when it goes away */
  protected abstract openLink(bytes: (d: Buffer | string) => void, lost: () => void): Promise<ConsoleLink>;
  /** whether it is worth trying to open the link now (a tty whose device node is back) */
  protected linkMayBeBack(): boolean {
    return true;
  }

  protected async attach(): Promise<void> {
    let mine: ConsoleLink | undefined;
    const lost = () => {
      if (mine !== undefined) this.vanished(mine);
    };
    mine = await this.openLink((d) => this.bytes(d), lost);
    this.link = mine;
    this.partial = '';
    this.partialSince = 0;
    this.record?.add('device', { device: this.device, action: 'console-open', console: this.describe });
  }

  private bytes(d: Buffer | string): void {
    const now = performance.now();
    const lines = (this.partial + d.toString()).split('\n');
    const first = this.partial === '' ? now : this.partialSince;
    this.partial = lines.pop() ?? '';
    lines.forEach((l, i) => this.receive(l.replace(/\r$/, ''), i === 0 ? first : now));
    // the unfinished line began in this chunk, or earlier when no line ended here
    this.partialSince = lines.length > 0 ? now : first;
  }

  /** the link went away: wait for it to come back, or fail every wait clearly */
  protected vanished(link: ConsoleLink): void {
    if (this.closing || this.link !== link) return;
    this.link = undefined;
    void link.close().catch(() => {});
    this.reattaching = this.reattach();
  }

  private async reattach(): Promise<void> {
    this.record?.add('device', { device: this.device, action: 'console-vanished', console: this.describe });
    const deadline = Date.now() + this.reattachTimeoutMs;
    while (Date.now() < deadline && !this.closing) {
      if (this.linkMayBeBack()) {
        try {
          await this.attach();
          this.record?.add('device', { device: this.device, action: 'console-reattached', console: this.describe });
          this.reattaching = undefined;
          return;
        } catch {
          /* not back yet */
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.closing) return;
    const err = new ConsoleError(
      `${this.describe} vanished and did not come back within ${this.reattachTimeoutMs} ms`,
    );
    this.record?.add('device', { device: this.device, action: 'console-lost', reason: err.message });
    this.breakWith(err);
  }

  /** a subclass may notice a loss between two writes (a tty node gone): wait as for any loss */
  protected async untilBack(): Promise<void> {
    if (this.reattaching) await this.reattaching;
  }

  protected async write(line: string): Promise<void> {
    await this.untilBack();
    const link = this.link;
    if (!link) throw new ConsoleError(`${this.describe} is not open`);
    try {
      await link.write(line + this.newline);
    } catch (err) {
      // lost while writing: the line goes out again once the link is back
      if (this.link === link && !this.reattaching) throw err;
      await this.untilBack();
      if (!this.link) throw err;
      await this.link.write(line + this.newline);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }
}
