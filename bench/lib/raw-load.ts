// A cheap MQTT load: publishers write pre-built packets in batches, one subscriber counts frames
// (and acknowledges QoS 1), so the broker, not the load generator, is what gets measured.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);

function connectPacket(clientId: string): Buffer {
  return gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId, username: 't1/bench', password: Buffer.from('pw') });
}

function open(port: number, clientId: string, onData?: (b: Buffer) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.once('error', reject);
    let acked = false;
    s.on('data', (d) => {
      if (!acked) {
        if (d[0] !== 0x20 || d[3] !== 0) { reject(new Error(`${clientId}: CONNACK refused (${d.toString('hex')})`)); return; }
        acked = true;
        resolve(s);
        if (d.length > 4 && onData) onData(d.subarray(4));
        return;
      }
      onData?.(d);
    });
    s.write(connectPacket(clientId));
  });
}

export interface LoadResult { received: number; seconds: number; rate: number; lost: number }

export interface LoadOptions { port: number; qos: 0 | 1; publishers: number; seconds: number; warmupSeconds: number; window: number; payload: string; topic: string }

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  let received = 0;
  let sent = 0;
  let lost = 0;
  let stopped = false;
  let pending = Buffer.alloc(0);
  let sub!: net.Socket;
  const publishers: { s: net.Socket; busy: boolean; nextId: number }[] = [];

  // the subscriber: count PUBLISH frames, acknowledge QoS 1
  const onSubData = (chunk: Buffer) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let i = 0;
    const acks: number[] = [];
    while (i < buf.length) {
      let len = 0, mul = 1, k = i + 1, done = false;
      while (k < buf.length && k < i + 5) {
        const b = buf[k++]!;
        len += (b & 0x7f) * mul; mul *= 128;
        if ((b & 0x80) === 0) { done = true; break; }
      }
      if (!done || k + len > buf.length) break;
      const type = buf[i]! >> 4;
      if (type === 3) {
        received++;
        if (((buf[i]! >> 1) & 3) === 1) {
          const topicLen = buf.readUInt16BE(k);
          acks.push(buf.readUInt16BE(k + 2 + topicLen));
        }
      }
      i = k + len;
    }
    pending = i < buf.length ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0);
    if (acks.length) {
      const out = Buffer.alloc(acks.length * 4);
      acks.forEach((id, n) => { out[n * 4] = 0x40; out[n * 4 + 1] = 2; out.writeUInt16BE(id, n * 4 + 2); });
      sub.write(out);
    }
    pump();
  };
  sub = await open(o.port, 'BENCH-SUB', onSubData);
  sub.write(gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: o.topic, qos: o.qos }] }));
  await new Promise((r) => setTimeout(r, 100));

  // one packet per publisher as a template; QoS 1 ids are patched into copies
  const template = gen({ cmd: 'publish', topic: o.topic, payload: Buffer.from(o.payload), qos: o.qos, messageId: o.qos ? 1 : undefined, retain: false, dup: false });
  const idOffset = template.length - Buffer.byteLength(o.payload) - 2;
  const BATCH = 20;
  const batch = (p: { nextId: number }) => {
    const out = Buffer.alloc(template.length * BATCH);
    for (let n = 0; n < BATCH; n++) {
      template.copy(out, n * template.length);
      if (o.qos) { out.writeUInt16BE(p.nextId, n * template.length + idOffset); p.nextId = p.nextId >= 65535 ? 1 : p.nextId + 1; }
    }
    return out;
  };
  for (let n = 0; n < o.publishers; n++) publishers.push({ s: await open(o.port, `BENCH-PUB-${n}`), busy: false, nextId: 1 });
  for (const p of publishers) {
    p.s.on('drain', () => { p.busy = false; pump(); });
    p.s.on('data', () => {}); // PUBACKs: read and dropped
  }

  function pump(): void {
    if (stopped) return;
    for (const p of publishers) {
      while (!p.busy && sent - received - lost < o.window) {
        sent += BATCH;
        if (!p.s.write(batch(p))) p.busy = true;
      }
    }
  }
  // a broker may drop QoS 0 under load: count what has not arrived for a while as lost
  let lastReceived = -1;
  const stall = setInterval(() => {
    if (received === lastReceived && sent - received - lost > 0) { lost = sent - received; pump(); }
    lastReceived = received;
  }, 200);

  pump();
  await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
  const r0 = received, l0 = lost, t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const r1 = received, l1 = lost, t1 = process.hrtime.bigint();
  stopped = true;
  clearInterval(stall);
  for (const p of publishers) p.s.destroy();
  sub.destroy();
  const seconds = Number(t1 - t0) / 1e9;
  return { received: r1 - r0, seconds, rate: (r1 - r0) / seconds, lost: l1 - l0 };
}
