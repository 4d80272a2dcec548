// Turns the raw bytes of one connection direction into packet descriptions, off the hot path.
// Passwords are dropped here, so they never reach the record.
import mqtt from 'mqtt-packet';
import { isUtf8 } from 'node:buffer';

export interface DecodedPacket {
  type: string;
  size: number;
  /** the packet's fields as JSON text, as they go into the record */
  json: string;
  /** the fields as an object, for the packets that are not on the hot path */
  packet?: Record<string, unknown>;
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

/** passwords never enter the record: the credentials bootstrap sends on s/dcr (70,tenant,user,password) are masked */
export function maskSecrets(topic: unknown, payload: string): string {
  return topic === 's/dcr' ? payload.replace(/^(70,[^\n]*,)[^,\n]*$/gm, '$1***') : payload;
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
  if (typeof out.payload === 'string' && out.payloadEncoding === undefined) out.payload = maskSecrets(src.topic, out.payload);
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

/**
 * Frames a byte stream into MQTT packets. The packets that make up nearly all traffic (PUBLISH,
 * the acknowledgements, PINGs) are read here directly; anything else, and anything unusual, goes
 * to mqtt-packet, whose verdict on malformed bytes is the broker's own.
 */
export class DirectionDecoder {
  private readonly parser = mqtt.parser({ protocolVersion: 4 });
  private parsed: mqtt.Packet[] = [];
  private parserError: string | undefined;
  private pending: Buffer | undefined;
  private failed: string | undefined;
  /** bytes that arrived after a protocol error and were not decoded */
  undecodedBytes = 0;

  constructor() {
    this.parser.on('packet', (p: mqtt.Packet) => this.parsed.push(p));
    this.parser.on('error', (err: Error) => { this.parserError ??= err.message; });
  }

  feed(chunk: Buffer): DecodeResult {
    if (this.failed !== undefined) { this.undecodedBytes += chunk.length; return { packets: [] }; }
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const packets: DecodedPacket[] = [];
    let i = 0;
    while (i < buf.length) {
      // fixed header: type and flags, then the remaining length (1 to 4 bytes)
      let remaining = 0, mul = 1, k = i + 1, complete = false;
      while (k < buf.length && k <= i + 4) {
        const b = buf[k++]!;
        remaining += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) {
        if (k > i + 4) return this.fail(packets, buf.length - i, 'the remaining length field is longer than 4 bytes');
        const headerError = judgeHeader(buf.subarray(i));
        if (headerError !== undefined) return this.fail(packets, buf.length - i, headerError);
        break;
      }
      const end = k + remaining;
      if (end > buf.length) {
        // mqtt-packet judges a header before the body arrives: so does the record
        const headerError = judgeHeader(buf.subarray(i, k));
        if (headerError !== undefined) return this.fail(packets, buf.length - i, headerError);
        break;
      }
      const frame = buf.subarray(i, end);
      const fast = readCommonPacket(buf[i]!, buf, k, end);
      if (fast) {
        packets.push({ type: fast[0], size: frame.length, json: fast[1] });
      } else {
        this.parser.parse(frame);
        const got = this.parsed;
        this.parsed = [];
        for (const p of got) {
          const packet = describePacket(p);
          packets.push({ type: p.cmd, size: frame.length, json: JSON.stringify(packet), packet });
        }
        if (this.parserError !== undefined) return this.fail(packets, buf.length - end, this.parserError);
      }
      i = end;
    }
    if (i < buf.length) this.pending = Buffer.from(buf.subarray(i));
    return { packets };
  }

  private fail(packets: DecodedPacket[], rest: number, error: string): DecodeResult {
    this.failed = error;
    this.undecodedBytes += rest;
    return { packets, error };
  }
}

/**
 * PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP and DISCONNECT in their usual form,
 * as [type, JSON text of the fields], written directly (these are nearly all of the traffic);
 * undefined for anything else.
 */
function readCommonPacket(first: number, buf: Buffer, start: number, end: number): [string, string] | undefined {
  const type = first >> 4;
  const flags = first & 0x0f;
  const len = end - start;
  if (type === 3) {
    const qos = (flags >> 1) & 3;
    if (qos === 3 || len < 2) return undefined;
    const topicLen = buf.readUInt16BE(start);
    let p = start + 2 + topicLen;
    if (p + (qos > 0 ? 2 : 0) > end || topicLen === 0) return undefined;
    const topicBytes = buf.subarray(start + 2, p);
    if (!isUtf8(topicBytes)) return undefined;
    const topic = topicBytes.toString('utf8');
    const fixed = `{"retain":${(flags & 1) === 1},"qos":${qos},"dup":${(flags & 8) === 8}`;
    let json = `${fixed},"topic":${JSON.stringify(topic)}`;
    if (qos > 0) { json += `,"messageId":${buf.readUInt16BE(p)}`; p += 2; }
    const payload = buf.subarray(p, end);
    json += isUtf8(payload)
      ? `,"payload":${JSON.stringify(maskSecrets(topic, payload.toString('utf8')))}}`
      : `,"payload":"${payload.toString('base64')}","payloadEncoding":"base64"}`;
    return ['publish', json];
  }
  if (type >= 4 && type <= 7) {
    if (len !== 2 || flags !== (type === 6 ? 2 : 0)) return undefined;
    return [ACK_NAMES[type - 4]!, `{"messageId":${buf.readUInt16BE(start)}}`];
  }
  if ((type === 12 || type === 13 || type === 14) && len === 0 && flags === 0) {
    return [type === 12 ? 'pingreq' : type === 13 ? 'pingresp' : 'disconnect', '{}'];
  }
  return undefined;
}

const ACK_NAMES = ['puback', 'pubrec', 'pubrel', 'pubcomp'];

/** mqtt-packet's verdict on a fixed header alone: an error message, or undefined when it is acceptable */
function judgeHeader(header: Buffer): string | undefined {
  const probe = mqtt.parser({ protocolVersion: 4 });
  let error: string | undefined;
  probe.on('error', (err: Error) => { error ??= err.message; });
  try { probe.parse(header); } catch (err) { error ??= (err as Error).message; }
  return error;
}


/**
 * The record's seq of each PUBLISH of a connection by its number on it (1, 2, …), for the latest
 * KEEP of them: an event names its cause right after the PUBLISH, so older ones are never asked for,
 * and a connection that publishes for days does not keep a list that grows with every message.
 */
export class PublishSeqs {
  static readonly KEEP = 10_000;
  private seqs: number[] = [];
  /** how many were dropped from the front */
  private dropped = 0;
  push(seq: number): void {
    this.seqs.push(seq);
    if (this.seqs.length >= 2 * PublishSeqs.KEEP) {
      this.seqs = this.seqs.slice(PublishSeqs.KEEP);
      this.dropped += PublishSeqs.KEEP;
    }
  }
  /** the seq of the nth PUBLISH (from 1), if it is still kept */
  of(n: number): number | undefined {
    return this.seqs[n - 1 - this.dropped];
  }
  get kept(): number {
    return this.seqs.length;
  }
}

/** Both directions of one connection, and the ClientId its CONNECT carried. */
export class ConnectionDecoder {
  clientId: string | undefined;
  /** the ClientId as JSON text, made once */
  clientIdJson: string | undefined;
  /** the record's seq of the device's latest PUBLISHes, so later events can point at their cause */
  readonly publishSeqs = new PublishSeqs();
  private readonly dirs = { in: new DirectionDecoder(), out: new DirectionDecoder() };
  constructor(readonly id: string, readonly transport: string) {}

  decode(dir: 'in' | 'out', buf: Buffer, t: number, emit: (e: Record<string, unknown>) => void): void {
    const { packets, error } = this.dirs[dir].feed(buf);
    for (const p of packets) {
      if (p.type === 'connect' && dir === 'in' && typeof p.packet?.clientId === 'string') {
        this.clientId = p.packet.clientId;
        this.clientIdJson = JSON.stringify(this.clientId);
      }
      emit({ t, kind: 'packet', conn: this.id, transport: this.transport, dir, type: p.type, size: p.size, packetJson: p.json, clientIdJson: this.clientIdJson });
    }
    if (error !== undefined) {
      emit({ t, kind: 'decision', decision: 'undecodable-bytes', conn: this.id, clientId: this.clientId, dir,
        reason: `the ${dir === 'in' ? 'device' : 'broker'} sent bytes that are not MQTT: ${error}` });
    }
  }
}
