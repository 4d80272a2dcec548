// The record's own reader for PUBLISH and the acknowledgements must say exactly what mqtt-packet says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { DirectionDecoder, describePacket } from './decoder.ts';

/** what plain mqtt-packet makes of a byte stream, in the record's shape, up to its first error */
function reference(bytes: Buffer): { packets: { type: string; fields: unknown }[]; error: boolean } {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: { type: string; fields: unknown }[] = [];
  let error = false;
  parser.on('packet', (p: mqttPacket.Packet) => { if (!error) packets.push({ type: p.cmd, fields: describePacket(p) }); });
  parser.on('error', () => { error = true; });
  try { parser.parse(bytes); } catch { error = true; }
  return { packets, error };
}

function ours(bytes: Buffer, chunkSizes: number[]): { packets: { type: string; fields: unknown }[]; error: boolean } {
  const d = new DirectionDecoder();
  const packets: { type: string; fields: unknown }[] = [];
  let error = false;
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = Math.max(1, chunkSizes[i % chunkSizes.length] ?? bytes.length);
    const r = d.feed(bytes.subarray(off, off + n));
    off += n;
    for (const p of r.packets) packets.push({ type: p.type, fields: JSON.parse(p.json) });
    if (r.error) error = true;
  }
  return { packets, error };
}

const publish = fc.record({
  cmd: fc.constant('publish'),
  topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  payload: fc.oneof(fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a))),
  qos: fc.constantFrom(0, 1, 2),
  retain: fc.boolean(),
  dup: fc.boolean(),
  messageId: fc.integer({ min: 1, max: 65535 }),
});
const ack = fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), messageId: fc.integer({ min: 1, max: 65535 }) });
const other = fc.constantFrom<object>(
  { cmd: 'pingreq' }, { cmd: 'pingresp' }, { cmd: 'disconnect' }, { cmd: 'connack', returnCode: 0, sessionPresent: true },
  { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 's/ds', qos: 1 }] }, { cmd: 'suback', messageId: 3, granted: [1, 128] },
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, keepalive: 60, clientId: 'd:SN1', username: 't/u', password: Buffer.from('pw') },
);
const stream = fc.array(fc.oneof(publish, ack, other), { minLength: 1, maxLength: 12 })
  .map((ps) => Buffer.concat(ps.map((p) => mqttPacket.generate((p as { qos?: number }).qos === 0 ? { ...p, messageId: undefined } as never : p as never))));

test('property: valid packets, cut into any chunks, decode as mqtt-packet decodes them', () => {
  fc.assert(fc.property(stream, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), (bytes, cuts) => {
    assert.deepEqual(ours(bytes, cuts), reference(bytes));
  }), { numRuns: 1500 });
});

/**
 * mqtt-packet given one frame at a time (a frame is what its fixed header says it is). On a
 * malformed frame mqtt-packet alone may read past the frame's end; framing first is the record's
 * reading of the wire, and within a frame the record must say what mqtt-packet says.
 */
function framewiseReference(bytes: Buffer): { packets: { type: string; fields: unknown }[]; error: boolean } {
  const packets: { type: string; fields: unknown }[] = [];
  let i = 0;
  while (i < bytes.length) {
    let len = 0, mul = 1, k = i + 1, complete = false;
    while (k < bytes.length && k <= i + 4) { const b = bytes[k++]!; len += (b & 0x7f) * mul; mul *= 128; if ((b & 0x80) === 0) { complete = true; break; } }
    const end = k + len;
    const whole = complete && end <= bytes.length;
    const r = reference(bytes.subarray(i, whole ? end : bytes.length));
    packets.push(...r.packets);
    if (r.error || (complete === false && k > i + 4)) return { packets, error: true };
    if (!whole) break;
    i = end;
  }
  return { packets, error: false };
}

test('property: mutated bytes decode frame by frame as mqtt-packet decodes them, and each error is seen', () => {
  fc.assert(fc.property(stream, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (bytes, flips) => {
    const b = Buffer.from(bytes);
    for (const [at, v] of flips) b[at % b.length] = v;
    const got = ours(b, [b.length]);
    assert.deepEqual(got, framewiseReference(b));
    assert.deepEqual(ours(b, [1 + (flips[0]![0] % 7)]), got, 'chunking must not change what is decoded');
  }), { numRuns: 3000 });
});
