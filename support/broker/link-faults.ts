// Platform faults on a device's link, armed by the harness: acknowledgements (or any packet type)
// lost or late in either direction, once or for N packets, and a black-holed link (nothing read,
// nothing written: only the keepalive can notice). Each packet it touches is a decision in the record.
import type { FrameVerdict } from './frame-filter.ts';

export const PACKET_TYPES = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

/** in: from the device to the broker; out: from the broker to the device */
export type Direction = 'in' | 'out';

/** packets each direction can carry: anything else is an impossible fault, named at once */
const CARRIES: Record<Direction, readonly PacketType[]> = {
  in: [
    'connect',
    'publish',
    'puback',
    'pubrec',
    'pubrel',
    'pubcomp',
    'subscribe',
    'unsubscribe',
    'pingreq',
    'disconnect',
  ],
  out: ['connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'pingresp'],
};

export interface PacketFault {
  type: PacketType;
  dir: Direction;
  /** lose: the packet never arrives; delay: it (and what follows it) arrives this much later */
  action: 'lose' | 'delay';
  delayMs?: number;
  /** how many packets of the type it touches */
  count: number;
}

export type Decide = (decision: string, fields: Record<string, unknown>) => void;

/** a packet type as a step names it (PUBACK, pubrec): a misspelt one is a clear error, never a silent wait */
export function packetType(name: string, dir: Direction): PacketType {
  const t = name.toLowerCase() as PacketType;
  if (!CARRIES[dir].includes(t)) {
    const who = dir === 'in' ? 'the device sends' : 'the broker sends';
    throw new Error(`'${name}' is not a packet ${who}: ${CARRIES[dir].map((x) => x.toUpperCase()).join(', ')}`);
  }
  return t;
}

const ACKS: readonly PacketType[] = ['puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback'];

/** the packet id of an acknowledgement: the two bytes after its fixed header */
function ackId(packet: Buffer): number | undefined {
  let n = 1;
  while (n < 5 && n < packet.length && (packet[n]! & 0x80) !== 0) n++;
  return packet.length >= n + 3 ? packet.readUInt16BE(n + 1) : undefined;
}

interface Armed extends PacketFault {
  left: number;
}

export class LinkFaults {
  private readonly armed = new Map<string, Armed[]>();
  /** connections (by record id) nothing passes on, in either direction */
  private readonly holes = new Set<string>();

  constructor(private readonly decide: Decide) {}

  arm(deviceId: string, f: PacketFault): void {
    if (!Number.isInteger(f.count) || f.count < 1) throw new Error(`a fault touches 1 packet or more, not ${f.count}`);
    if (f.action === 'delay' && !(f.delayMs !== undefined && f.delayMs > 0))
      throw new Error('a delay needs a time of more than 0 ms');
    const type = packetType(f.type, f.dir);
    this.armed.set(deviceId, [...(this.armed.get(deviceId) ?? []), { ...f, type, left: f.count }]);
  }

  /** the faults still armed for the device, as a step names them ("2 PUBACK to the device") */
  pending(deviceId: string): string[] {
    return (this.armed.get(deviceId) ?? []).map(
      (a) => `${a.left} ${a.type.toUpperCase()} ${a.dir === 'in' ? 'from' : 'to'} the device`,
    );
  }

  blackhole(conn: string, deviceId: string): void {
    this.holes.add(conn);
    this.decide('link-blackholed', {
      conn,
      deviceId,
      reason: 'the broker reads and writes nothing on this connection any more: only the keepalive can notice',
    });
  }

  isHole(conn: string | undefined): boolean {
    return conn !== undefined && this.holes.has(conn);
  }

  /** armed for this device in this direction: the filter is worth running */
  active(deviceId: string | undefined, conn: string, dir: Direction): boolean {
    return (
      this.holes.has(conn) || (deviceId !== undefined && (this.armed.get(deviceId) ?? []).some((a) => a.dir === dir))
    );
  }

  /** `packet`: the whole packet, when the filter has it (what the broker writes): its id goes into the decision */
  verdict(deviceId: string | undefined, conn: string, dir: Direction, type: number, packet?: Buffer): FrameVerdict {
    if (this.holes.has(conn)) return 'drop';
    const list = deviceId === undefined ? undefined : this.armed.get(deviceId);
    const name = PACKET_TYPES[type];
    const a = list?.find((x) => x.dir === dir && x.type === name && x.left > 0);
    if (!a) return 'pass';
    a.left--;
    if (a.left === 0)
      this.armed.set(
        deviceId!,
        list!.filter((x) => x !== a),
      );
    const way = dir === 'in' ? 'from the device' : 'to the device';
    const id = packet && ACKS.includes(name!) ? { messageId: ackId(packet) } : {};
    if (a.action === 'lose') {
      this.decide('packet-lost', {
        conn,
        deviceId,
        dir,
        type: name,
        ...id,
        reason: `the harness made the broker lose this ${name!.toUpperCase()} ${way}; the link stays up`,
      });
      return 'drop';
    }
    this.decide('packet-delayed', {
      conn,
      deviceId,
      dir,
      type: name,
      ...id,
      delayMs: a.delayMs,
      reason: `the harness holds this ${name!.toUpperCase()} ${way} (and what follows it) for ${a.delayMs} ms`,
    });
    return { holdMs: a.delayMs! };
  }

  closed(conn: string): void {
    this.holes.delete(conn);
  }
}
