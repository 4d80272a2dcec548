// A console on a real tty through serialport: an exclusive lock, and re-attaching when the port
// vanishes and comes back (a USB board re-enumerating after a reset) as every console does.
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError } from './console.ts';
import { ReattachingConsole, type ConsoleLink } from './reattaching-console.ts';

export interface SerialOptions {
  path: string;
  baudRate: number;
  /** sent after each line */
  newline: string;
  /** how long to wait for a vanished port to come back */
  reattachTimeoutMs: number;
  /** makes the port; serialport's real one unless a test passes its mock binding's */
  create?: (o: { path: string; baudRate: number; autoOpen: false; lock: boolean }) => SerialPort;
}

export class SerialConsole extends ReattachingConsole {
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(device: string, record: TrafficRecord | undefined, private readonly opts: SerialOptions) {
    super(device, record, `the serial port ${opts.path}`, opts.newline, opts.reattachTimeoutMs);
  }

  static async open(device: string, record: TrafficRecord | undefined, opts: SerialOptions): Promise<SerialConsole> {
    const c = new SerialConsole(device, record, opts);
    await c.attach();
    return c;
  }

  protected override linkMayBeBack(): boolean {
    return this.opts.create !== undefined || existsSync(this.opts.path);
  }

  protected openLink(bytes: (d: Buffer) => void, lost: () => void): Promise<ConsoleLink> {
    return new Promise((resolve, reject) => {
      const settings = { path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false as const, lock: true };
      const port = this.opts.create ? this.opts.create(settings) : new SerialPort(settings);
      port.open((err) => {
        if (err) return reject(new ConsoleError(`cannot open the serial port ${this.opts.path}: ${err.message}`));
        // fed by a 'data' listener, not pipe(): with pipe() a vanished pty never reports 'close'
        port.on('data', bytes);
        port.on('error', () => { /* a close follows, or the watchdog notices */ });
        port.once('close', () => { clearInterval(this.watchdog); lost(); });
        // a vanished pty or USB tty does not always make serialport report 'close': the device
        // node going away is the sign that works for both
        clearInterval(this.watchdog);
        if (!this.opts.create) {
          this.watchdog = setInterval(() => {
            if (!existsSync(this.opts.path)) { clearInterval(this.watchdog); lost(); }
          }, 100);
          this.watchdog.unref();
        }
        resolve({
          write: (data) => new Promise<void>((res, rej) => {
            port.write(data, (e) => (e ? rej(new ConsoleError(`writing to ${this.opts.path} failed: ${e.message}`))
              : port.drain(() => res())));
          }),
          close: () => new Promise<void>((res) => { if (port.isOpen) port.close(() => res()); else res(); }),
        });
      });
    });
  }

  /** gone between two watchdog looks: wait for it like any other vanishing */
  protected override async untilBack(): Promise<void> {
    if (!this.opts.create && !existsSync(this.opts.path)) await new Promise((r) => setTimeout(r, 150));
    await super.untilBack();
  }

  override async close(): Promise<void> {
    clearInterval(this.watchdog);
    await super.close();
  }
}
