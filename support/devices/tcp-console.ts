// A console over TCP: a board behind ser2net (or any terminal server) on a lab host, raw or
// telnet. Telnet option negotiation is answered "no" and kept out of the lines; a dropped
// connection is re-opened like a vanished tty.
import { connect, type Socket } from 'node:net';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError } from './console.ts';
import { ReattachingConsole, type ConsoleLink } from './reattaching-console.ts';

export interface TcpOptions {
  host: string;
  port: number;
  protocol: 'raw' | 'telnet';
  newline: string;
  reattachTimeoutMs: number;
  /** how long to wait for the connection (default 5 s) */
  connectTimeoutMs?: number;
}

const IAC = 255,
  SB = 250,
  SE = 240,
  WILL = 251,
  WONT = 252,
  DO = 253,
  DONT = 254;

/**
 * Telnet's in-band commands, taken out of the byte stream: what is text, and what to answer
 * (every option refused, so the server falls back to a plain 8-bit stream).
 */
export class TelnetFilter {
  private state: 'data' | 'iac' | 'option' | 'sub' | 'sub-iac' = 'data';
  private verb = 0;

  feed(input: Buffer): { text: Buffer; reply: Buffer } {
    const text: number[] = [];
    const reply: number[] = [];
    for (const b of input) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else text.push(b);
          break;
        case 'iac':
          if (b === IAC) {
            text.push(IAC);
            this.state = 'data';
          } else if (b >= WILL && b <= DONT) {
            this.verb = b;
            this.state = 'option';
          } else if (b === SB) this.state = 'sub';
          else this.state = 'data';
          break;
        case 'option':
          if (this.verb === WILL) reply.push(IAC, DONT, b);
          else if (this.verb === DO) reply.push(IAC, WONT, b);
          this.state = 'data';
          break;
        case 'sub':
          if (b === IAC) this.state = 'sub-iac';
          break;
        case 'sub-iac':
          this.state = b === SE ? 'data' : 'sub';
          break;
      }
    }
    return { text: Buffer.from(text), reply: Buffer.from(reply) };
  }
}

export class TcpConsole extends ReattachingConsole {
  private constructor(
    device: string,
    record: TrafficRecord | undefined,
    private readonly opts: TcpOptions,
  ) {
    super(
      device,
      record,
      `the ${opts.protocol} console ${opts.host}:${opts.port}`,
      opts.newline,
      opts.reattachTimeoutMs,
    );
  }

  static async open(device: string, record: TrafficRecord | undefined, opts: TcpOptions): Promise<TcpConsole> {
    const c = new TcpConsole(device, record, opts);
    await c.attach();
    return c;
  }

  protected openLink(bytes: (d: Buffer) => void, lost: () => void): Promise<ConsoleLink> {
    const { host, port } = this.opts;
    return new Promise((resolve, reject) => {
      const socket: Socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConsoleError(`no answer from ${host}:${port} within ${this.opts.connectTimeoutMs ?? 5000} ms`));
      }, this.opts.connectTimeoutMs ?? 5000);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConsoleError(`cannot reach ${host}:${port}: ${err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        const telnet = this.opts.protocol === 'telnet' ? new TelnetFilter() : undefined;
        socket.on('data', (d: Buffer) => {
          if (!telnet) return bytes(d);
          const { text, reply } = telnet.feed(d);
          if (reply.length > 0) socket.write(reply);
          if (text.length > 0) bytes(text);
        });
        socket.on('error', () => {
          /* 'close' follows */
        });
        // the far end closing its side is the loss (a write before 'close' would fail)
        socket.once('end', () => lost());
        socket.once('close', () => lost());
        resolve({
          write: (data) =>
            new Promise<void>((res, rej) => {
              const out = telnet ? Buffer.from(data).toString('latin1').replaceAll('\xff', '\xff\xff') : data;
              socket.write(telnet ? Buffer.from(out, 'latin1') : out, (e) =>
                e ? rej(new ConsoleError(`writing to ${host}:${port} failed: ${e.message}`)) : res(),
              );
            }),
          close: () =>
            new Promise<void>((res) => {
              if (socket.destroyed) return res();
              socket.once('close', () => res());
              socket.end();
              setTimeout(() => socket.destroy(), 500).unref();
            }),
        });
      });
    });
  }
}
