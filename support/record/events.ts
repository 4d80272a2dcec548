// The record's event shapes. This is the JSONL contract documented in the README (format 2; format 1
// records still read: support/rules.ts gives their decisions the rules format 2 writes down).

export const RECORD_FORMAT = 'c8y-hil-record';
export const RECORD_VERSION = 2;

export type Direction = 'in' | 'out'; // in: device → broker, out: broker → device

export interface EventBase {
  /** position in the record, from 1 */
  seq: number;
  /** ms since the record started (monotonic clock) */
  t: number;
  /** wall-clock time, ISO 8601 */
  wall: string;
  kind: string;
  [field: string]: unknown;
}

export interface PacketEvent extends EventBase {
  kind: 'packet';
  conn: string;
  transport: string;
  dir: Direction;
  /** the MQTT ClientId of the connection, once its CONNECT was seen */
  clientId?: string;
  /** mqtt-packet's cmd: connect, connack, publish, puback, subscribe, suback, … */
  type: string;
  /** total bytes of the packet on the wire */
  size: number;
  packet: Record<string, unknown>;
}

export interface DecisionEvent extends EventBase {
  kind: 'decision';
  decision: string;
  conn?: string;
  clientId?: string;
}

export interface ConnectionEvent extends EventBase {
  kind: 'connection';
  action: 'open' | 'close';
  conn: string;
  transport: string;
}

export type RecordEvent = PacketEvent | DecisionEvent | ConnectionEvent | EventBase;

export const isPacket = (e: RecordEvent): e is PacketEvent => e.kind === 'packet';
export const isDecision = (e: RecordEvent): e is DecisionEvent => e.kind === 'decision';
