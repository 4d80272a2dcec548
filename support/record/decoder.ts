// Turns the raw bytes of one connection direction into packet descriptions, off the hot path.
// Passwords are dropped here, so they never reach the record.
import mqtt from 'mqtt-packet';
import { isUtf8 } from 'node:buffer';

export interface DecodedPacket {
  type: string;
  size: number;
  packet: Record<string, unknown>;
}

export type DecodeResult = { packets: DecodedPacket[]; error?: string };

/** Payload bytes as text when they are UTF-8, else base64 (with a marker field). */
export function describeBytes(buf: Buffer | Uint8Array | string | undefined | null, into: Record<string, unknown>, key: string): void {
  if (buf == null) return;
  if (typeof buf === 'string') { into[key] = buf; return; }
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  if (isUtf8(b)) into[key] = b.toString('utf8');
  else { into[key] = b.toString('base64'); into[key + 'Encoding'] = 'base64'; }
}

const SKIP = new Set(['cmd', 'length', 'payload', 'password', 'will', 'properties']);
// fixed-header flags that only mean something on a PUBLISH
const PUBLISH_ONLY = new Set(['retain', 'qos', 'dup']);

export function describePacket(p: mqtt.Packet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = p as unknown as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    if (SKIP.has(key) || (p.cmd !== 'publish' && PUBLISH_ONLY.has(key))) continue;
    const v = src[key];
    if (v === undefined || v === null) continue;
    out[key] = Buffer.isBuffer(v) ? v.toString('base64') : v;
  }
  if ('payload' in src) describeBytes(src.payload as Buffer, out, 'payload');
  if (p.cmd === 'connect') {
    if (p.password !== undefined) out.passwordSet = true;
    if (p.will) {
      const will: Record<string, unknown> = { topic: p.will.topic, qos: p.will.qos, retain: p.will.retain };
      describeBytes(p.will.payload, will, 'payload');
      out.will = will;
    }
  }
  return out;
}

export class DirectionDecoder {
  private parser = mqtt.parser({ protocolVersion: 4 });
  private out: DecodedPacket[] = [];
  private failed: string | undefined;
  private consumed = 0;
  /** bytes that arrived after a protocol error and were not decoded */
  undecodedBytes = 0;

  constructor() {
    this.parser.on('packet', (p: mqtt.Packet) => {
      const remaining = (p as { length?: number }).length ?? 0;
      const size = 1 + varintSize(remaining) + remaining;
      this.out.push({ type: p.cmd, size, packet: describePacket(p) });
    });
    this.parser.on('error', (err: Error) => { this.failed = err.message; });
  }

  feed(chunk: Buffer): DecodeResult {
    if (this.failed !== undefined) { this.undecodedBytes += chunk.length; return { packets: [] }; }
    this.consumed += chunk.length;
    try {
      this.parser.parse(chunk);
    } catch (err) {
      this.failed = (err as Error).message;
    }
    const packets = this.out;
    this.out = [];
    if (this.failed !== undefined) return { packets, error: this.failed };
    return { packets };
  }
}

function varintSize(n: number): number {
  if (n < 128) return 1;
  if (n < 16384) return 2;
  if (n < 2097152) return 3;
  return 4;
}
