// Real mqtt.js clients for any transport of a running broker, and a raw-socket client that sends
// exactly the bytes a test asks for. Used by tests, steps and benchmarks.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
import type { BoundPorts } from './broker.ts';
import type { Transport } from './options.ts';

export interface Endpoint { ports: BoundPorts; ca?: string; host?: string }

export function urlFor(ep: Endpoint, transport: Transport): string {
  const port = ep.ports[transport];
  if (port === null) throw new Error(`the broker has no ${transport} listener`);
  // TLS clients verify the certificate, which names localhost and 127.0.0.1
  const host = ep.host ?? '127.0.0.1';
  switch (transport) {
    case 'mqtt': return `mqtt://${host}:${port}`;
    case 'mqtts': return `mqtts://${host}:${port}`;
    case 'ws': return `ws://${host}:${port}/mqtt`;
    case 'wss': return `wss://${host}:${port}/mqtt`;
  }
}

export interface ConnectOutcome { client: MqttClient; returnCode: number }

/**
 * Connect with mqtt.js and settle on CONNACK (whatever its code) or on the socket closing first.
 * mqtt.js' own connectAsync never settles when the server closes before CONNACK.
 */
export function connectClient(ep: Endpoint, transport: Transport, options: IClientOptions): Promise<ConnectOutcome> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(urlFor(ep, transport), {
      reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4,
      ...(ep.ca ? { ca: ep.ca, rejectUnauthorized: true } : {}),
      ...options,
    });
    let settled = false;
    const done = (fn: () => void) => { if (!settled) { settled = true; fn(); } };
    client.once('connect', (connack) => done(() => resolve({ client, returnCode: connack.returnCode ?? 0 })));
    client.once('error', (err) => {
      const code = (err as { code?: number }).code;
      done(() => (typeof code === 'number' ? resolve({ client, returnCode: code }) : reject(err)));
    });
    client.once('close', () => done(() => reject(new Error(`the broker closed the ${transport} connection before CONNACK`))));
  });
}

/** Connect and insist on CONNACK 0. */
export async function connected(ep: Endpoint, transport: Transport, options: IClientOptions): Promise<MqttClient> {
  const { client, returnCode } = await connectClient(ep, transport, options);
  if (returnCode !== 0) { client.end(true); throw new Error(`expected CONNACK 0, got ${returnCode}`); }
  return client;
}

/** Open a byte stream to the broker over any transport (WebSocket frames carry the MQTT bytes). */
export function openStream(ep: Endpoint, transport: Transport): Promise<Duplex> {
  const port = ep.ports[transport];
  if (port === null) return Promise.reject(new Error(`the broker has no ${transport} listener`));
  const host = ep.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    if (transport === 'mqtt') {
      const s = net.connect(port, host, () => { s.off('error', reject); resolve(s); });
      s.once('error', reject);
    } else if (transport === 'mqtts') {
      const s = tls.connect({ port, host, ca: ep.ca }, () => { s.off('error', reject); resolve(s); });
      s.once('error', reject);
    } else {
      const ws = new WebSocket(urlFor(ep, transport), 'mqtt', { ca: ep.ca });
      ws.once('open', () => { ws.off('error', reject); resolve(createWebSocketStream(ws)); });
      ws.once('error', reject);
    }
  });
}

/** A client that writes packets as given and collects the broker's packets, for protocol-level tests. */
export class RawClient {
  readonly packets: mqttPacket.Packet[] = [];
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private waiters: { pred: (p: mqttPacket.Packet) => boolean; resolve: (p: mqttPacket.Packet) => void }[] = [];
  closed = false;
  private constructor(readonly socket: Duplex) {
    this.parser.on('packet', (p) => {
      this.packets.push(p);
      this.waiters = this.waiters.filter((w) => (w.pred(p) ? (w.resolve(p), false) : true));
    });
    socket.on('data', (d) => this.parser.parse(d));
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => {});
  }

  static async open(ep: Endpoint, transport: Transport = 'mqtt'): Promise<RawClient> {
    return new RawClient(await openStream(ep, transport));
  }

  send(packet: Partial<mqttPacket.Packet> & { cmd: string }): void {
    this.socket.write(mqttPacket.generate(packet as mqttPacket.Packet));
  }

  sendBytes(bytes: Buffer): void { this.socket.write(bytes); }

  next(pred: (p: mqttPacket.Packet) => boolean, timeoutMs = 3000): Promise<mqttPacket.Packet> {
    const have = this.packets.find(pred);
    if (have) { this.packets.splice(this.packets.indexOf(have), 1); return Promise.resolve(have); }
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (p: mqttPacket.Packet) => { clearTimeout(timer); this.packets.splice(this.packets.indexOf(p), 1); resolve(p); } };
      // a waiter that timed out must not take a later packet from the next one
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching packet from the broker within ${timeoutMs} ms; got: ${this.packets.map((p) => p.cmd).join(', ') || 'nothing'}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  whenClosed(timeoutMs = 3000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the broker did not close the connection within ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('close', () => { clearTimeout(timer); resolve(); });
    });
  }

  /** CONNECT and wait for the CONNACK */
  async connect(opts: { clientId: string; username?: string; password?: string; clean?: boolean; keepalive?: number }): Promise<mqttPacket.IConnackPacket> {
    this.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: opts.clean ?? true, keepalive: opts.keepalive ?? 60,
      clientId: opts.clientId, username: opts.username, password: opts.password === undefined ? undefined : Buffer.from(opts.password) } as never);
    return await this.next((p) => p.cmd === 'connack') as mqttPacket.IConnackPacket;
  }

  close(): void { this.socket.destroy(); }
}

/** An mqtt.js client that keeps every message it receives, to wait on them by topic. */
export class Inbox {
  readonly messages: { topic: string; payload: string; qos: number }[] = [];
  private waiters: { topic: string; pred: (p: string) => boolean; resolve: (p: string) => void }[] = [];
  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m = { topic, payload: payload.toString('utf8'), qos: packet.qos };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.topic === topic && w.pred(m.payload) ? (w.resolve(m.payload), false) : true));
    });
  }

  /** the first message on topic (already received or still to come) that matches */
  next(topic: string, pred: (payload: string) => boolean = () => true, timeoutMs = 2000): Promise<string> {
    const have = this.messages.find((m) => m.topic === topic && pred(m.payload));
    if (have) { this.messages.splice(this.messages.indexOf(have), 1); return Promise.resolve(have.payload); }
    return new Promise((resolve, reject) => {
      const waiter = { topic, pred, resolve: (p: string) => {
        clearTimeout(timer);
        const i = this.messages.findIndex((m) => m.topic === topic && m.payload === p);
        if (i >= 0) this.messages.splice(i, 1);
        resolve(p);
      } };
      // a waiter that timed out must not take a later message from the next one
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms; received: ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  on(topic: string): string[] { return this.messages.filter((m) => m.topic === topic).map((m) => m.payload); }
}
