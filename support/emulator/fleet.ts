// Many emulated devices in one process, for load and soak tests against any broker: each is the
// reference firmware (registration, templates, subscriptions, operations answered), connected a
// batch at a time, and together they send measurements at a rate. One timer drives the data, not
// one per device, so ten thousand devices cost ten thousand sockets and little else.
import { Firmware, type FirmwareSettings } from './firmware.ts';

export interface FleetOptions {
  size: number;
  /** the broker and login every device uses; each gets its own identifier and ClientId */
  settings: FirmwareSettings;
  /** device identifiers are <prefix><n>, n from 1 */
  prefix: string;
  /** measurements per device per second (0: none) */
  rate: number;
  /** connections opened at once */
  concurrency?: number;
}

export interface FleetStats {
  connected: number;
  failed: number;
  measurements: number;
  operations: number;
  /** ms the fleet took to connect */
  connectMs: number;
}

export class Fleet {
  readonly devices: Firmware[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly counts = { failed: 0, measurements: 0, operations: 0, connectMs: 0 };
  private next = 0;
  private owed = 0;

  constructor(private readonly o: FleetOptions) {
    if (!Number.isInteger(o.size) || o.size < 1) throw new Error(`a fleet has 1 device or more, not ${o.size}`);
    if (!(o.rate >= 0)) throw new Error(`a rate is 0 or more measurements a second, not ${o.rate}`);
  }

  /** connects every device (a batch at a time); those that cannot connect are counted, not fatal */
  async start(): Promise<FleetStats> {
    const t0 = performance.now();
    const batch = this.o.concurrency ?? 50;
    for (let i = 0; i < this.o.size; i += batch) {
      const group = Array.from({ length: Math.min(batch, this.o.size - i) }, (_, k) => this.device(i + k + 1));
      await Promise.all(
        group.map((f) =>
          f.connect().catch(() => {
            this.counts.failed++;
          }),
        ),
      );
    }
    this.counts.connectMs = Math.round(performance.now() - t0);
    if (this.o.rate > 0) this.timer = setInterval(() => this.tick(), 100);
    return this.stats();
  }

  private device(n: number): Firmware {
    const serial = `${this.o.prefix}${n}`;
    const f = new Firmware(serial, (line) => {
      if (line.startsWith('OP ') && !line.startsWith('OP ERROR') && !line.startsWith('OP IGNORED'))
        this.counts.operations++;
    });
    f.settings = { ...this.o.settings, clientId: serial, name: `Fleet ${serial}` };
    this.devices.push(f);
    return f;
  }

  /** a tenth of a second's measurements, spread over the devices in turn */
  private tick(): void {
    this.owed += (this.o.rate * this.devices.length) / 10;
    for (; this.owed >= 1; this.owed--) {
      const f = this.devices[this.next++ % this.devices.length]!;
      if (!f.connected) continue;
      this.counts.measurements++;
      f.measure(f.serial, (20 + Math.random() * 5).toFixed(1)).catch(() => {});
    }
  }

  stats(): FleetStats {
    return { connected: this.devices.filter((f) => f.connected).length, ...this.counts };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.devices.map((f) => f.disconnect().catch(() => {})));
  }
}
