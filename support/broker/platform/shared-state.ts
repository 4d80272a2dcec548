// The platform's inventory and operations shared by the broker processes of a cluster: each
// process keeps a copy, stores what changes here in Redis and takes what changes elsewhere.
// Objects are written whole, and the last write of an object wins: a device is connected to one
// process at a time, and an operation moves on one device's connection, so writes rarely meet.
import type { Cluster } from '../cluster.ts';
import type { Device } from './inventory.ts';
import type { Operation } from './operations.ts';
import type { Platform } from './platform.ts';

export class SharedState {
  /** what was last stored of each device, so a line that changed nothing stores nothing */
  private readonly stored = new Map<string, string>();

  private constructor(
    private readonly platform: Platform,
    private cluster: Cluster,
  ) {}

  /** take what the cluster holds, then keep both ways in step */
  static async join(platform: Platform, cluster: Cluster): Promise<SharedState> {
    const s = new SharedState(platform, cluster);
    const { inventory, operations } = platform;
    s.listen();
    for (const d of (await cluster.load('device')) as Device[]) s.took(d);
    for (const op of (await cluster.load('operation')) as Operation[]) operations.put(op);
    inventory.idSource = () => s.cluster.nextId('device');
    operations.idSource = () => s.cluster.nextId('operation');
    inventory.onChange = (d) => s.store(d);
    operations.onChange = (op) => s.cluster.put('operation', op.id, op);
    return s;
  }

  /** the broker restarted: its new connection to the cluster carries the changes from now on */
  rejoin(cluster: Cluster): void {
    this.cluster = cluster;
    this.listen();
  }

  private listen(): void {
    const ops = this.platform.operations;
    this.cluster.onChange((kind, _key, value) =>
      kind === 'device' ? this.took(value as Device) : ops.put(value as Operation),
    );
  }

  private took(d: Device): void {
    this.platform.inventory.put(d);
    this.stored.set(d.externalId, JSON.stringify(d));
    // a device registered through another process may subscribe to s/ds here
    if (d.parent === undefined && d.kind === 'device') this.platform.broker.registerDevice(d.externalId);
  }

  store(d: Device): void {
    const json = JSON.stringify(d);
    if (this.stored.get(d.externalId) === json) return;
    this.stored.set(d.externalId, json);
    this.cluster.put('device', d.externalId, d);
  }

  /** after a device's message: whatever it changed in its hierarchy */
  changed(deviceId: string): void {
    const inv = this.platform.inventory;
    for (const id of inv.subtree(inv.rootOf(deviceId))) this.store(inv.get(id)!);
  }
}
