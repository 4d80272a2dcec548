// Listeners that stay up for a whole run on a lab's fixed ports, while each scenario still gets
// a broker of its own (a fresh record, platform and session store): a board whose broker address
// is in its firmware sees the same ports answer from the first scenario to the last, never a
// refused connection between two scenarios.
import type { Duplex } from 'node:stream';
import { listen, type Listener, type StreamHandler, type TransportProblem } from './transports.ts';
import { TRANSPORTS, type Transport } from './options.ts';
import type { TlsMaterial } from './tls.ts';
import type { BoundPorts } from './broker.ts';

export interface StandingOptions {
  host: string;
  /** port per transport; null = off */
  ports: { [T in Transport]: number | null };
  tls?: TlsMaterial;
  clientCas: string[];
  /** how long a connection that arrives between two scenarios waits for the next one (default 30 s) */
  holdMs?: number;
}

interface Held {
  stream: Duplex;
  transport: Transport;
  remote: string;
  timer: NodeJS.Timeout;
}

interface Owner {
  onStream: StreamHandler;
  onProblem: TransportProblem;
}

export class StandingListeners {
  readonly ports: BoundPorts = { mqtt: null, mqtts: null, ws: null, wss: null };
  private readonly listeners: Listener[] = [];
  private owner: Owner | undefined;
  /** connections that arrived while no scenario's broker was attached: paused, handed to the next one */
  private readonly held = new Set<Held>();

  private constructor(readonly options: StandingOptions) {}

  get tls(): TlsMaterial | undefined {
    return this.options.tls;
  }

  static async open(options: StandingOptions): Promise<StandingListeners> {
    const s = new StandingListeners(options);
    try {
      for (const t of TRANSPORTS) {
        const port = options.ports[t];
        if (port === null) continue;
        const l = await listen(
          t,
          options.host,
          port,
          options.tls,
          (stream, tr, remote) => s.route(stream, tr, remote),
          (tr, problem, remote) => s.owner?.onProblem(tr, problem, remote),
          options.clientCas,
        );
        s.listeners.push(l);
        s.ports[t] = l.port;
      }
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  /** a scenario's broker takes the connections from now on, and those that waited for it */
  attach(owner: Owner): void {
    if (this.owner) throw new Error('the standing listeners already serve a broker: close it before the next starts');
    this.owner = owner;
    for (const h of [...this.held]) {
      this.held.delete(h);
      clearTimeout(h.timer);
      if (!h.stream.destroyed) owner.onStream(h.stream, h.transport, h.remote);
    }
  }

  detach(owner: Owner): void {
    if (this.owner === owner) this.owner = undefined;
  }

  get waiting(): number {
    return this.held.size;
  }

  private route(stream: Duplex, transport: Transport, remote: string): void {
    if (this.owner) return this.owner.onStream(stream, transport, remote);
    // nobody reads it yet, so its bytes wait in the socket; a device that gives up is forgotten
    const h: Held = {
      stream,
      transport,
      remote,
      timer: setTimeout(() => {
        this.held.delete(h);
        stream.destroy();
      }, this.options.holdMs ?? 30_000),
    };
    h.timer.unref();
    this.held.add(h);
    stream.once('close', () => {
      clearTimeout(h.timer);
      this.held.delete(h);
    });
  }

  async close(): Promise<void> {
    for (const h of this.held) {
      clearTimeout(h.timer);
      h.stream.destroy();
    }
    this.held.clear();
    await Promise.all(this.listeners.map((l) => l.close()));
  }
}
