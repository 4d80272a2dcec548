// A console on a real tty through serialport: exclusive lock, line framing, and re-attaching
// when the port vanishes and comes back (a USB board re-enumerating after a reset).
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError, LineConsole } from './console.ts';

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

export class SerialConsole extends LineConsole {
  private port: SerialPort | undefined;
  private closing = false;
  private reattaching: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(device: string, record: TrafficRecord | undefined, private readonly opts: SerialOptions) {
    super(device, record, `serial port ${opts.path}`);
  }

  static async open(device: string, record: TrafficRecord | undefined, opts: SerialOptions): Promise<SerialConsole> {
    const c = new SerialConsole(device, record, opts);
    await c.attach();
    return c;
  }

  private attach(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settings = { path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false as const, lock: true };
      const port = this.opts.create ? this.opts.create(settings) : new SerialPort(settings);
      port.open((err) => {
        if (err) return reject(new ConsoleError(`cannot open the serial port ${this.opts.path}: ${err.message}`));
        this.port = port;
        // fed by a 'data' listener, not pipe(): with pipe() a vanished pty never reports 'close'
        const lines = new ReadlineParser({ delimiter: '\n' });
        lines.on('data', (l: string) => this.receive(l.replace(/\r$/, '')));
        port.on('data', (d: Buffer) => lines.write(d));
        port.on('error', () => { /* a close follows, or the watchdog notices */ });
        port.once('close', () => this.vanished(port));
        // a vanished pty or USB tty does not always make serialport report 'close': the device
        // node going away is the sign that works for both
        if (!this.opts.create) {
          clearInterval(this.watchdog);
          this.watchdog = setInterval(() => { if (!existsSync(this.opts.path)) this.vanished(port); }, 100);
          this.watchdog.unref();
        }
        this.record?.add('device', { device: this.device, action: 'port-open', path: this.opts.path });
        resolve();
      });
    });
  }

  private vanished(port: SerialPort): void {
    if (this.closing || this.port !== port) return;
    clearInterval(this.watchdog);
    this.port = undefined;
    if (port.isOpen) port.close(() => {});
    this.reattaching = this.reattach();
  }

  /** the port went away: wait for it to come back and open it again, or fail every wait clearly */
  private async reattach(): Promise<void> {
    this.record?.add('device', { device: this.device, action: 'port-vanished', path: this.opts.path });
    const deadline = Date.now() + this.opts.reattachTimeoutMs;
    while (Date.now() < deadline && !this.closing) {
      if (this.opts.create || existsSync(this.opts.path)) {
        try {
          await this.attach();
          this.record?.add('device', { device: this.device, action: 'port-reattached', path: this.opts.path });
          this.reattaching = undefined;
          return;
        } catch { /* not ready yet */ }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.closing) return;
    const err = new ConsoleError(`the serial port ${this.opts.path} vanished and did not come back within ${this.opts.reattachTimeoutMs} ms`);
    this.record?.add('device', { device: this.device, action: 'port-lost', path: this.opts.path, reason: err.message });
    this.breakWith(err);
  }

  protected async write(line: string): Promise<void> {
    if (this.reattaching) await this.reattaching;
    let port = this.port;
    if (!port && !this.closing && !this.opts.create && !existsSync(this.opts.path)) {
      // gone between two watchdog looks: wait for it like any other vanishing
      await new Promise((r) => setTimeout(r, 150));
      if (this.reattaching) await this.reattaching;
      port = this.port;
    }
    if (!port) throw new ConsoleError(`the serial port ${this.opts.path} is not open`);
    const p = port;
    await new Promise<void>((resolve, reject) => {
      p.write(line + this.opts.newline, (err) => (err ? reject(new ConsoleError(`writing to ${this.opts.path} failed: ${err.message}`)) : p.drain(() => resolve())));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}
