// Which part of a record is the device's own: its connections (found by the ClientId of their
// CONNECT) and the packets on them.
import type { PacketEvent, RecordEvent } from '../record/events.ts';

/**
 * connections whose CONNECT named the device (in any ClientId shape, well-formed or not), but for
 * the harness's own clients (a second client taking the identifier over is not the device)
 */
export function deviceConnections(events: readonly RecordEvent[], deviceId: string): Set<string> {
  const conns = new Set<string>();
  const harness = new Set(events.filter((e) => e.kind === 'step' && e.action === 'harness-client').map((e) => e.conn));
  for (const e of events) {
    if (e.kind !== 'packet' || e.type !== 'connect' || e.dir !== 'in' || harness.has(e.conn)) continue;
    const id = (e.packet as { clientId?: string }).clientId ?? '';
    if (id === deviceId || id.split(':').includes(deviceId)) conns.add(e.conn as string);
  }
  return conns;
}

export function devicePackets(
  events: readonly RecordEvent[],
  deviceId: string,
  type?: string,
  dir?: 'in' | 'out',
): PacketEvent[] {
  const conns = deviceConnections(events, deviceId);
  return events.filter(
    (e): e is PacketEvent =>
      e.kind === 'packet' &&
      conns.has(e.conn as string) &&
      (type === undefined || e.type === type) &&
      (dir === undefined || e.dir === dir),
  );
}

export const payloadOf = (e: RecordEvent) => (e.packet as { payload?: string }).payload ?? '';
export const topicOf = (e: RecordEvent) => (e.packet as { topic?: string }).topic ?? '';

/** the broker's decisions about the device (by its identifier, or by a ClientId naming it) */
export function deviceDecisions(events: readonly RecordEvent[], deviceId: string): RecordEvent[] {
  const conns = deviceConnections(events, deviceId);
  return events.filter(
    (e) => e.kind === 'decision' && (e.deviceId === deviceId || (typeof e.conn === 'string' && conns.has(e.conn))),
  );
}

/** the device's own platform changes (its own, or those of a device below it) */
export function platformChanges(
  events: readonly RecordEvent[],
  change: string,
  where: (e: RecordEvent) => boolean = () => true,
): RecordEvent[] {
  return events.filter((e) => e.kind === 'platform' && e.change === change && where(e));
}
