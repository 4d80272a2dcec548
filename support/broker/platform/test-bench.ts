// For the platform's tests: a broker with its platform on an ephemeral port, and devices on real
// mqtt.js clients. Devices publish with QoS 2: the broker processes the message before it answers
// PUBREC, so the effect is there when publish returns.
import type { IClientOptions } from 'mqtt';
import { C8yBroker } from '../broker.ts';
import { connected, Inbox } from '../clients.ts';
import type { BrokerOptions } from '../options.ts';
import { Platform } from './platform.ts';

export const LOGIN = { username: 't1/dev', password: 'pw' };

export interface TestDevice {
  id: string;
  inbox: Inbox;
  pub: (payload: string, topic?: string) => Promise<void>;
}

let n = 0;
export const newId = (prefix = 'P') => `${prefix}${process.pid}-${++n}`;

export class PlatformBench {
  private readonly inboxes: Inbox[] = [];
  private constructor(
    readonly broker: C8yBroker,
    readonly platform: Platform,
  ) {}

  static async start(options: BrokerOptions = {}): Promise<PlatformBench> {
    const broker = await C8yBroker.start({
      credentials: [{ tenant: 't1', user: 'dev', password: 'pw' }],
      ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
      ...options,
    });
    return new PlatformBench(broker, new Platform(broker));
  }

  /** a device subscribed to s/e, and (registered first with 100) to s/ds at QoS 1 */
  async device(
    id = newId(),
    opts: { register?: boolean; clean?: boolean; client?: IClientOptions } = {},
  ): Promise<TestDevice> {
    const client = await connected({ ports: this.broker.ports }, 'mqtt', {
      clientId: id,
      ...LOGIN,
      clean: opts.clean ?? true,
      ...opts.client,
    });
    const inbox = new Inbox(client);
    this.inboxes.push(inbox);
    const pub = async (payload: string, topic = 's/us') => {
      await client.publishAsync(topic, payload, { qos: 2 });
    };
    await client.subscribeAsync('s/e', { qos: 0 });
    if (opts.register !== false) {
      await pub('100');
      await client.subscribeAsync('s/ds', { qos: 1 });
    }
    return { id, inbox, pub };
  }

  changes(deviceId: string, change: string) {
    return this.broker.record.select({ kind: 'platform', deviceId, where: (e) => e.change === change });
  }

  async close(): Promise<void> {
    for (const i of this.inboxes) i.client.end(true);
    await this.broker.close();
  }
}
