// The reference device firmware: what a correct device does under SPEC.md, on mqtt.js, with
// switchable faults. It knows nothing of serial ports: the console protocol drives it.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { parsePayload, writeField } from '../smartrest/codec.ts';
import { DOWNSTREAM } from '../smartrest/catalogue/index.ts';
import type { Fault } from './faults.ts';
import { ResendStore } from './resend-store.ts';
import { Pacer } from './pacer.ts';

export interface FirmwareSettings {
  host: string;
  port: number;
  transport: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  tenant: string;
  user: string;
  password: string;
  clientId: string;
  clean: boolean;
  keepalive: number;
  qos: 0 | 1 | 2;
  ca: string;
  name: string;
  type: string;
  /** client certificate and key files for certificate login on the TLS port (empty: log in with the password) */
  cert: string;
  key: string;
}

/** the X-ID of the firmware's own template collection */
export const COLLECTION = 'c8y-hil-emulator';
/** reconnect backoff: the first wait after a lost link, doubling after each failed attempt up to the last */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
/** how long a connection stays up before the backoff starts over */
const STABLE_MS = 5000;

/** a firmware bug: the client never sends this acknowledgement (mqtt.js would send it by itself) */
function dropAcks(client: MqttClient, type: 'puback'): void {
  const c = client as unknown as { _sendPacket(p: { cmd: string }, cb?: () => void, ...rest: unknown[]): void };
  const send = c._sendPacket.bind(client);
  c._sendPacket = (p, cb, ...rest) => (p.cmd === type ? cb?.() : send(p, cb, ...rest));
}

/** the next attempt on the same client, keeping what it has not had acknowledged (mqtt.js drops it otherwise) */
function again(client: MqttClient): void {
  client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
}

export const SUPPORTED_OPERATIONS = ['c8y_Restart', 'c8y_Command', 'c8y_Configuration', 'c8y_Firmware', 'c8y_Relay'];

/** what the firmware tells its console, as it happens */
export type Log = (line: string) => void;

export class Firmware {
  /** how the CA file is read: from disk here; a browser build has no files (the browser verifies TLS) */
  static readFile: (path: string) => string = (path) => readFileSync(path, 'utf8');

  readonly faults = new Set<Fault>();
  settings: FirmwareSettings;
  private client: MqttClient | undefined;
  private registered = false;
  /** the first connection since reset has subscribed: later ones are reconnects */
  private sessionStarted = false;
  /** hardware and firmware reported since reset */
  private announced = false;
  /** the firmware it runs (115; a c8y_Firmware operation installs another) */
  firmware = { name: 'c8y-hil-emulator', version: '1.0.0' };
  /** child external id → parent external id (the root is the serial) */
  private readonly parents = new Map<string, string>();
  configuration = '';
  relay = 'CLOSED';

  constructor(
    readonly serial: string,
    private readonly log: Log,
  ) {
    this.settings = Firmware.defaults(serial);
  }

  static defaults(serial: string): FirmwareSettings {
    return {
      host: '127.0.0.1',
      port: 1883,
      transport: 'mqtt',
      tenant: '',
      user: '',
      password: '',
      clientId: serial,
      clean: true,
      keepalive: 60,
      qos: 1,
      ca: '',
      name: `Emulated ${serial}`,
      type: 'c8y_HilEmulator',
      cert: '',
      key: '',
    };
  }

  get connected(): boolean {
    return !!this.client?.connected;
  }

  /** resolves when the current connection closes (at once when there is none) */
  closed(): Promise<void> {
    const c = this.client;
    if (!c || !c.connected) return Promise.resolve();
    return new Promise((resolve) => c.once('close', () => resolve()));
  }

  reset(): Promise<void> {
    const done = this.drop(true);
    this.networkUp = true;
    this.pacer = new Pacer();
    this.registered = false;
    this.announced = false;
    this.parents.clear();
    this.configuration = '';
    this.relay = 'CLOSED';
    this.settings = Firmware.defaults(this.serial);
    return done;
  }

  // ---- SmartREST as this firmware writes it (faults change it) ---------------------------------

  line(fields: (string | number)[]): string {
    const fs = fields.map(String);
    if (this.faults.has('no-quoting')) return fs.join(',');
    const needsQuotes = (f: string) => /[,\n\r"]|^\s|\s$/.test(f);
    if (this.faults.has('doubled-quotes'))
      return fs.map((f) => (needsQuotes(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
    if (this.faults.has('unclosed-quote'))
      return fs.map((f) => (needsQuotes(f) ? `"${f.replace(/"/g, '\\"')}` : f)).join(',');
    if (this.faults.has('text-after-quote')) {
      return fs
        .map((f) =>
          needsQuotes(f) && f.length > 1 ? `"${f.slice(0, -1).replace(/"/g, '\\"')}"${f.slice(-1)}` : writeField(f),
        )
        .join(',');
    }
    return fs.map(writeField).join(',');
  }

  private qos(): 0 | 1 | 2 {
    return this.faults.has('qos0') ? 0 : this.settings.qos;
  }

  /** the topic for data of a device: the root's s/us, or s/us/<path to the child> */
  topicFor(device: string): string {
    if (device === this.serial || this.faults.has('child-on-root')) return 's/us';
    const path: string[] = [];
    for (let d: string | undefined = device; d !== undefined && d !== this.serial; d = this.parents.get(d))
      path.unshift(d);
    if (this.faults.has('wrong-child-path')) path.unshift(this.serial);
    return `s/us/${path.join('/')}`;
  }

  /** the last line sent per template id: what the resend-on-refusal fault sends again */
  private readonly lastSent = new Map<string, { topic: string; payload: string }>();

  /** how fast it sends: slower for a while after the platform cut the link with messages in flight */
  private pacer = new Pacer();

  async publish(topic: string, payload: string): Promise<void> {
    const client = this.client;
    // between connections mqtt.js keeps what is sent and sends it on the next one
    if (!client) throw new Error('not connected');
    this.lastSent.set(payload.split(',')[0]!, { topic, payload });
    if (this.faults.has('no-slowdown')) return this.blast(client, topic, payload);
    await this.pacer.run(async () => {
      await client.publishAsync(topic, payload, { qos: this.qos() });
    });
  }

  /** the fault: each message sent again the moment the link is back, all of them at once, at full speed */
  private async blast(client: MqttClient, topic: string, payload: string): Promise<void> {
    for (;;) {
      if (client.connected) {
        const closed = new Promise<boolean>((r) => client.once('close', () => r(false)));
        const sent = client.publishAsync(topic, payload, { qos: this.qos() }).then(() => true);
        if (await Promise.race([sent, closed])) return;
      }
      await new Promise((r) => client.once('connect', r));
    }
  }

  private send(device: string, fields: (string | number)[]): Promise<void> {
    return this.publish(this.topicFor(device), this.line(fields));
  }

  // ---- connection ---------------------------------------------------------------------------

  private url(): string {
    const s = this.settings;
    return s.transport === 'mqtt' || s.transport === 'mqtts'
      ? `${s.transport}://${s.host}:${s.port}`
      : `${s.transport}://${s.host}:${s.port}/mqtt`;
  }

  private options(): IClientOptions {
    const s = this.settings;
    const o: IClientOptions = {
      clientId: this.faults.has('malformed-clientid') ? `c8y:${this.serial}` : s.clientId,
      username: this.faults.has('tenantless-login') ? s.user : `${s.tenant}/${s.user}`,
      password: s.password,
      clean: this.faults.has('clean-session-1') ? true : s.clean,
      keepalive: this.faults.has('no-keepalive') ? 0 : s.keepalive,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: this.faults.has('protocol-v5') ? 5 : 4,
      // what is not acknowledged yet is sent again on the next connection (with DUP, unless the fault)
      outgoingStore: new ResendStore(!this.faults.has('no-dup')),
    };
    if (s.ca) o.ca = Firmware.readFile(s.ca);
    if (s.cert && s.key) {
      // the lab leaves another unit's certificate beside this one's: <name>.other.pem / .other.key
      const other = (path: string) =>
        this.faults.has('wrong-certificate') ? path.replace(/(\.[^./]+)$/, '.other$1') : path;
      o.cert = Firmware.readFile(other(s.cert));
      o.key = Firmware.readFile(other(s.key));
    }
    if (this.faults.has('last-will'))
      o.will = {
        topic: 's/us',
        payload: Buffer.from('400,c8y_ConnectionLost,Device went offline'),
        qos: 1,
        retain: false,
      };
    return o;
  }

  /** connect, register on the first connect since reset, subscribe, announce */
  async connect(): Promise<void> {
    await this.drop(true);
    this.sessionStarted = false;
    const client = mqtt.connect(this.url(), this.options());
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (err) => reject(err));
      client.once('close', () => reject(new Error('the connection closed before CONNACK')));
    }).catch((err: Error) => {
      client.end(true);
      this.client = undefined;
      throw err;
    });
    client.on('close', () => {
      this.log('LINK CLOSED');
      if (this.client !== client) return;
      // the platform cut it while messages were in flight (its rate limit does): slow down
      if (this.networkUp && this.pacer.inFlight > 0 && !this.faults.has('no-slowdown')) {
        this.log(`SLOWING DOWN ${this.pacer.inFlight} in flight`);
        this.pacer.slowDown();
      }
      // a link the firmware did not end itself: it tries again, after a while
      this.reconnectLater(client);
    });
    client.on('error', (err) => this.log(`MQTT ERROR ${JSON.stringify(err.message)}`));
    client.on('connect', (connack) => void this.reconnected(client, connack));
    this.watchdog(client);
    this.listen(client);
    this.backoffMs = FIRST_BACKOFF_MS;
    await this.session();
  }

  // ---- staying connected --------------------------------------------------------------------

  /** the wait before the next reconnect attempt: doubles after each failed one, up to MAX_BACKOFF_MS */
  private backoffMs = FIRST_BACKOFF_MS;
  private retry: NodeJS.Timeout | undefined;
  private stable: NodeJS.Timeout | undefined;
  /** the console's "link down": the network is gone, so attempts fail where they start, until "link up" */
  private networkUp = true;

  private reconnectLater(client: MqttClient): void {
    if (this.retry) return;
    const wait = this.faults.has('no-backoff') ? 20 : this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.client !== client || client.connected) return;
      if (!this.networkUp) return this.reconnectLater(client);
      this.log('RECONNECTING');
      // the fault keeps no store: it sends its backlog again itself, all at once
      if (this.faults.has('no-slowdown')) client.reconnect();
      else again(client);
    }, wait);
  }

  /** a connection after the first: subscriptions again when the broker kept no session */
  private async reconnected(client: MqttClient, connack: { sessionPresent?: boolean }): Promise<void> {
    if (this.client !== client || !this.sessionStarted) return;
    // the backoff starts over once the link has stayed up a while: a link cut again at once
    // (another unit taking the identifier, a refusal after CONNACK) keeps it growing
    clearTimeout(this.stable);
    this.stable = setTimeout(() => (this.backoffMs = FIRST_BACKOFF_MS), STABLE_MS);
    client.once('close', () => clearTimeout(this.stable));
    this.log('CONNECTED');
    if (!connack.sessionPresent && !this.faults.has('no-resubscribe')) await this.subscribeAll(client);
  }

  /**
   * Nothing heard from the broker for 1.5 × keepalive (mqtt.js pings at the keepalive, so a live
   * broker answers well within it): the link is dead though the socket may look open; drop it.
   */
  private watchdog(client: MqttClient): void {
    const keepalive = this.settings.keepalive;
    if (keepalive <= 0 || this.faults.has('no-keepalive')) return;
    let timer: NodeJS.Timeout | undefined;
    const feed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (this.client !== client || !client.connected) return;
        this.log('KEEPALIVE TIMEOUT');
        (client.stream as unknown as { destroy(): void }).destroy();
      }, keepalive * 1500);
    };
    client.on('packetreceive', feed);
    client.on('connect', feed);
    client.on('close', () => clearTimeout(timer));
    feed();
  }

  private listen(client: MqttClient): void {
    if (this.faults.has('qos2-twice')) {
      // acts at the moment a PUBLISH arrives, before the QoS 2 handshake is done
      client.on('packetreceive', (p) => {
        if (p.cmd === 'publish') void this.onMessage(p.topic, (p as IPublishPacket).payload.toString('utf8'));
      });
    } else {
      client.on('message', (topic, payload) => void this.onMessage(topic, payload.toString('utf8')));
    }
  }

  private async session(): Promise<void> {
    const client = this.client!;
    if (this.faults.has('no-puback')) dropAcks(client, 'puback');
    // a refused subscription (SUBACK 0x80) is logged, not fatal: the firmware carries on without it
    const subscribe = () => this.subscribeAll(client);
    if (this.faults.has('early-subscribe')) await subscribe();
    if (!this.registered) {
      await this.send(this.serial, [100, this.settings.name, this.settings.type]);
      this.registered = true;
      await this.customTemplates();
    }
    if (!this.faults.has('early-subscribe')) await subscribe();
    this.sessionStarted = true;
    await this.send(this.serial, [this.faults.has('unknown-template') ? 144 : 114, ...SUPPORTED_OPERATIONS]);
    if (!this.announced) {
      // what a board reports once it runs: its hardware (110) and firmware (115)
      await this.send(this.serial, [110, this.serial, 'HIL-EMU', '1.0']);
      await this.send(this.serial, [115, this.firmware.name, this.firmware.version]);
      this.announced = true;
    }
    const temperature = this.faults.has('bad-parameters') ? `${this.temperature}C` : this.temperature;
    if (this.faults.has('publish-unknown-topic')) await this.publish('s/us/', this.line([211, temperature]));
    else await this.send(this.serial, [211, temperature]);
    if (this.faults.has('oversized-publish'))
      await this.send(this.serial, [113, 'x'.repeat(17_000)]).catch(() => {
        /* the broker closes the link */
      });
    if (this.faults.has('malformed-packet'))
      (client.stream as unknown as { write(b: Buffer): void }).write(
        Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]),
      );
  }

  /** s/ds and s/e; a refused subscription (SUBACK 0x80) is logged, not fatal: the firmware carries on without it */
  private async subscribeAll(client: MqttClient): Promise<void> {
    const topics: Record<string, { qos: 0 | 1 | 2 }> = { 's/ds': { qos: this.qos() }, 's/e': { qos: 0 } };
    if (this.faults.has('subscribe-wrong-topics')) Object.assign(topics, { 's/us': { qos: 0 }, 'c8y/ds': { qos: 0 } });
    await client
      .subscribeAsync(topics)
      .catch((err: Error) => this.log(`SUBSCRIBE REFUSED ${JSON.stringify(err.message)}`));
  }

  /** the firmware's own template collection, made when it registers, and its boot event sent with it */
  private async customTemplates(): Promise<void> {
    const api = this.faults.has('bad-collection') ? 'EVENTS' : 'EVENT';
    await this.publish(`s/ut/${COLLECTION}`, `10,e1,POST,${api},,c8y_Boot,booted,,c8y_Boot.count,INTEGER,`);
    const xid = this.faults.has('wrong-collection') ? `${COLLECTION}-2` : COLLECTION;
    const message = this.faults.has('unknown-message') ? 'e2' : 'e1';
    await this.publish(`s/uc/${xid}`, `${message},,${this.faults.has('custom-bad-value') ? 'one' : '1'}`);
  }

  /** the temperature the emulated sensor reads */
  temperature = '21.5';

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    // a clean DISCONNECT; if in-flight messages hold it up, the socket goes after 2 s
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.end(true, {}, () => resolve()), 2000);
      c.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** lose the link: the socket goes, no DISCONNECT is sent */
  private drop(force: boolean): Promise<void> {
    const c = this.client;
    this.client = undefined;
    clearTimeout(this.retry);
    this.retry = undefined;
    if (!c) return Promise.resolve();
    // a client whose link is already gone may never call back from end()
    if (!c.connected) {
      c.end(true);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      c.end(force, {}, () => resolve());
    });
  }

  /** the network goes: the socket with it, and every attempt to reconnect fails until linkUp */
  linkDown(): void {
    const c = this.client;
    if (!c) throw new Error('not connected');
    this.networkUp = false;
    (c.stream as unknown as { destroy(): void }).destroy();
  }

  /**
   * The network is back: the next attempt goes now (the session decides what survives; the
   * firmware subscribes again when it did not). Done when the attempt is on its way: the broker
   * may still refuse it, and the firmware then tries again after its backoff.
   */
  async linkUp(): Promise<void> {
    const c = this.client;
    this.networkUp = true;
    if (c?.connected) return;
    if (!c) throw new Error('never connected');
    clearTimeout(this.retry);
    this.retry = undefined;
    this.backoffMs = FIRST_BACKOFF_MS;
    again(c);
  }

  // ---- data the console asks for ------------------------------------------------------------

  async addChild(id: string, parent = this.serial): Promise<void> {
    this.parents.set(id, parent);
    await this.send(parent, [101, id, `Child ${id}`]);
  }

  measure(device: string, value: string): Promise<void> {
    return this.send(device, [211, value]);
  }
  event(device: string, type: string, text: string): Promise<void> {
    return this.send(device, [400, type, text]);
  }
  sensor(device: string, fragment: string, series: string, value: string, unit: string): Promise<void> {
    return this.send(device, [200, fragment, series, value, unit]);
  }

  // ---- operations ---------------------------------------------------------------------------

  private async onMessage(topic: string, payload: string): Promise<void> {
    this.log(`MSG ${topic} ${JSON.stringify(payload)}`);
    if (topic === 's/e' && this.faults.has('resend-on-refusal')) return this.resendRefused(payload);
    if (topic !== 's/ds') return;
    // lines are split by the codec: a line break inside quotes belongs to its field
    const lines = parsePayload(payload);
    for (const line of this.faults.has('first-line-only') ? lines.slice(0, 1) : lines) {
      try {
        await this.operate(line.fields);
      } catch (err) {
        this.log(`OP ERROR ${JSON.stringify((err as Error).message)}`);
      }
    }
  }

  /** the fault: an error on s/e makes it send the refused line again, a moment later, for ever */
  private resendRefused(payload: string): void {
    const template = parsePayload(payload)[0]?.fields[1] ?? '';
    const last = this.lastSent.get(template);
    if (!last) return;
    setTimeout(() => void this.publish(last.topic, last.payload).catch(() => {}), 200);
  }

  private async operate(fields: string[]): Promise<void> {
    const [id, target, ...params] = fields as [string, string, ...string[]];
    const t = DOWNSTREAM.get(Number(id));
    if (!t?.fragment || target === undefined) return; // answers (106, 124, 601, 603) are not operations
    const isChild = target !== this.serial;
    if (isChild && (this.faults.has('ignore-child-ops') || !this.parents.has(target))) {
      this.log(`OP IGNORED ${id} ${target}`);
      return;
    }
    const fragment: string = this.faults.has('wrong-fragment')
      ? t.fragment === 'c8y_Restart'
        ? 'c8y_Command'
        : 'c8y_Restart'
      : t.fragment;
    this.log(`OP ${id} ${target} ${JSON.stringify(params)}`);
    if (this.faults.has('slow-answer')) await new Promise((r) => setTimeout(r, 2500));
    await this.send(target, [501, fragment]);
    await this.execute(t.id, t.fragment, target, fragment, params);
    if (this.faults.has('double-answer')) await this.send(target, [503, fragment]);
  }

  private async execute(id: number, name: string, target: string, fragment: string, params: string[]): Promise<void> {
    switch (id) {
      case 510:
        return this.send(target, [503, fragment]);
      case 511:
        return this.send(target, [503, fragment, `executed: ${params[0] ?? ''}`]);
      case 513:
        this.configuration = params[0] ?? '';
        await this.send(target, [113, this.configuration]);
        return this.send(target, [503, fragment]);
      case 515:
        await this.send(target, [115, params[0] ?? '', params[1] ?? '', params[2] ?? '']);
        return this.send(target, [503, fragment]);
      case 518:
        this.relay = params[0] ?? this.relay;
        return this.send(target, [503, fragment]);
      default:
        return this.send(target, [502, fragment, `${name} is not supported by the emulator`]);
    }
  }
}
