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
}

export class SerialConsole extends LineConsole {
  private port: SerialPort | undefined;
  private closing = false;
  private reattaching: Promise<void> | undefined;

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
      const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false, lock: true });
      port.open((err) => {
        if (err) return reject(new ConsoleError(`cannot open the serial port ${this.opts.path}: ${err.message}`));
        this.port = port;
        port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (l: string) => this.receive(l.replace(/\r$/, '')));
        port.on('error', () => { /* a close follows */ });
        port.once('close', () => { if (!this.closing) this.reattaching = this.reattach(); });
        this.record?.add('device', { device: this.device, action: 'port-open', path: this.opts.path });
        resolve();
      });
    });
  }

  /** the port went away: wait for it to come back and open it again, or fail every wait clearly */
  private async reattach(): Promise<void> {
    this.port = undefined;
    this.record?.add('device', { device: this.device, action: 'port-vanished', path: this.opts.path });
    const deadline = Date.now() + this.opts.reattachTimeoutMs;
    while (Date.now() < deadline && !this.closing) {
      if (existsSync(this.opts.path)) {
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
    const port = this.port;
    if (!port) throw new ConsoleError(`the serial port ${this.opts.path} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(line + this.opts.newline, (err) => (err ? reject(new ConsoleError(`writing to ${this.opts.path} failed: ${err.message}`)) : port.drain(() => resolve())));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}
