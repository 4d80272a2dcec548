// One Lab per scenario: a fresh broker on ephemeral ports, its record on disk, and the clients
// the scenario opened. Works without cucumber; the world only holds one.
import type { IClientOptions, MqttClient } from 'mqtt';
import { join } from 'node:path';
import { C8yBroker } from './broker/broker.ts';
import { Platform } from './broker/platform/platform.ts';
import { connectClient, type ConnectOutcome } from './broker/clients.ts';
import type { Credential } from './broker/credentials.ts';
import type { BrokerOptions, Transport } from './broker/options.ts';

export interface LabOptions { recordDir: string; name: string; broker?: BrokerOptions }

export class Lab {
  readonly clients: MqttClient[] = [];
  readonly platform: Platform;
  private constructor(readonly broker: C8yBroker, readonly recordPath: string) {
    this.platform = new Platform(broker);
  }

  static async start(opts: LabOptions): Promise<Lab> {
    const file = opts.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'scenario';
    const recordPath = join(opts.recordDir, `${file}.jsonl`);
    const broker = await C8yBroker.start({ ...opts.broker, recordPath });
    broker.record.add('meta', { scenario: opts.name });
    return new Lab(broker, recordPath);
  }

  get record() { return this.broker.record; }

  addCredential(c: Credential): void { this.broker.options.credentials.push(c); }

  async connect(transport: Transport, options: IClientOptions): Promise<ConnectOutcome & { conn?: string }> {
    const since = this.record.events().length;
    const outcome = await connectClient({ ports: this.broker.ports, ca: this.broker.tls?.ca }, transport, options);
    this.clients.push(outcome.client);
    const connack = await this.record.eventually({ kind: 'packet', type: 'connack', dir: 'out', where: (e) => e.seq > since }, 2000);
    return { ...outcome, conn: connack.conn as string };
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end(true);
    await this.broker.close();
  }
}
