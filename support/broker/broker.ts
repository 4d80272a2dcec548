// The Cumulocity-like test broker: aedes with Cumulocity's login, ClientId, topic, retain, will
// and size rules, a session store that marks resent messages DUP, and a record of everything.
import { Aedes, type Client } from 'aedes';
import AedesPacket from 'aedes-packet';

// aedes-packet's types describe an interface; at run time it is a constructor
const PUBLISH_INDEX = Symbol('publishIndex');
const Packet = AedesPacket as unknown as new (p: object, broker: unknown) => object;
import type { Duplex } from 'node:stream';
import { TrafficRecord, type RecordedConnection } from '../record/record.ts';
import { tapConnection, type LinkFilter } from '../record/tap.ts';
import { FrameFilter, filterWhole } from './frame-filter.ts';
import { LinkFaults, PACKET_TYPES, type PacketFault } from './link-faults.ts';
import { DeviceRate, type RateLimit } from './rate-limit.ts';
import { ActedOn } from './resends.ts';
import { coalesceWrites } from './coalesce-writes.ts';

type ResentPacket = { qos?: number; dup?: boolean; messageId?: number; topic: string; payload?: Buffer | string };
import type { StandingListeners } from './standing-listeners.ts';
import { topicMatches } from '../record/query.ts';
import { parseClientId } from './clientid.ts';
import { checkLogin, type Credential } from './credentials.ts';
import { createFrameGuard } from './frame-guard.ts';
import { resolveOptions, TRANSPORTS, type BrokerOptions, type ResolvedOptions, type Transport } from './options.ts';
import { createSessionStore, type RedisStore } from './persistence.ts';
import { redisClient } from '../redis-client.ts';
import { Cluster, clusterNode } from './cluster.ts';
import {
  BOOTSTRAP_PUBLISH,
  BOOTSTRAP_SUBSCRIBE,
  checkSubscription,
  parseUpstreamTopic,
  type UpstreamTopic,
} from './topics.ts';
import { BOOTSTRAP_USER, certificateLogin, type LoginMethod } from './certificate-login.ts';
import { issueCertificate, localCa, localTlsMaterial, type TlsMaterial } from './tls.ts';
import { finding } from '../rules.ts';
import { listen, type Listener } from './transports.ts';

/** errors of the socket under MQTT (the link went away), not of the bytes on it */
const KEEPALIVE_ERROR = /keep ?alive timeout/i;
const TRANSPORT_ERROR =
  /connection closed|ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|socket has been ended|write after end|stream (was )?destroyed/i;

/** where publishes that the topic policy refuses go: no device can subscribe to it */
const REFUSED_TOPIC = '$hil/refused';

interface ConnectionState {
  conn: RecordedConnection;
  transport: Transport;
  stream: Duplex;
  clientId?: string;
  deviceId?: string;
  clientIdProblem?: string;
  defaultTemplateId?: string;
  /** the login was refused (CONNACK 2, 4 or 5) */
  refused?: boolean;
  /** how the connection logged in, and into which tenant */
  auth?: LoginMethod;
  tenant?: string;
  /** PUBLISH packets seen from the device so far */
  publishes: number;
  /** the session the connection asked for: clean (1) or kept (0) */
  clean?: boolean;
  /** the device's rate limit has seen this connection */
  rateSeen?: boolean;
  /** the rate limit cut this connection */
  rateCut?: boolean;
  /** PUBLISH packets that arrived (the broker takes them in order, so some may wait) */
  arrived: number;
}

export interface UpstreamMessage {
  deviceId: string;
  clientId: string;
  conn: string;
  topic: string;
  route: UpstreamTopic;
  payload: Buffer;
  qos: number;
  /** true when this is a last will delivered under lastWill: 'deliver' */
  will: boolean;
  /** this is the nth PUBLISH the connection sent (for linking record events to it); none for a will */
  publishIndex?: number;
  /** how the connection logged in (password, certificate or bootstrap) and its tenant */
  auth: LoginMethod;
  tenant: string;
  /** the default template collection named in the ClientId (d:<id>:<X-ID>) */
  defaultTemplateId?: string;
}

export type DownstreamStatus = 'sent' | 'queued' | 'not-subscribed' | 'dropped-offline';
export interface DownstreamResult {
  status: DownstreamStatus;
  qos?: number;
  /** the broker process of a cluster that sent it, when the device is connected to another */
  via?: string;
}

export type BoundPorts = { [T in Transport]: number | null };

/** aedes' message bus over Redis, loaded only by a broker in a cluster */
async function clusterBus(url: string): Promise<unknown> {
  const { default: mqemitterRedis } = await import('mqemitter-redis');
  // aedes subscribes at once; ioredis writes SUBSCRIBE before its ready check (INFO), which the
  // server then refuses in subscriber mode and ioredis throws where nothing can catch it (seen in
  // the cluster test): the subscriber connection goes without the ready check
  return mqemitterRedis({ subConn: redisClient(url, { enableReadyCheck: false }), pubConn: redisClient(url) });
}

export class C8yBroker {
  readonly record: TrafficRecord;
  readonly ports: BoundPorts = { mqtt: null, mqtts: null, ws: null, wss: null };
  tls: TlsMaterial | undefined;
  private aedes!: Aedes;
  private readonly listeners: Listener[] = [];
  private readonly state = new WeakMap<Duplex, ConnectionState>();
  private readonly known = new Set<string>();
  /** last wills on their way through the broker (lastWill: 'deliver') */
  private readonly wills = new WeakSet<object>();
  /** the default template collection each device named in its latest ClientId (d:<id>:<X-ID>) */
  private readonly defaultTemplates = new Map<string, string>();
  /** packets the harness asked the broker to lose, by device: the next one of that type drops the link */
  private readonly losses = new Map<string, string>();
  /** devices whose link the harness keeps down: their next CONNECTs (this many, or all) get CONNACK 3 */
  private readonly keptDown = new Map<string, number>();
  /** open device connections, so close() can wait until each one's end is in the record */
  private readonly streams = new Set<Duplex>();
  private readonly upstreamHandlers = new Set<(m: UpstreamMessage) => void>();
  private readonly subscribeHandlers = new Set<(deviceId: string, topics: string[]) => void>();
  /** QoS 1 messages acted on, so that a DUP resend is acted on once (resends.ts) */
  private readonly actedOn = new ActedOn();
  private readonly resends = new WeakSet<object>();
  private readonly ownsRecord: boolean;
  private sessionStore: object | undefined;
  private sessionsInRedis = false;
  /** the broker processes this one shares its platform and sessions with (options.cluster) */
  cluster: Cluster | undefined;
  /** devices the harness rate-limits */
  private readonly rates = new Map<string, DeviceRate>();
  /** a black-holed stream's own destroy (the broker's is held back) */
  private readonly realDestroy = new WeakMap<Duplex, () => void>();
  /** packets the harness makes the broker lose or hold, and black-holed links */
  readonly linkFaults = new LinkFaults((decision, fields) => this.record.add('decision', { decision, ...fields }));
  private standingOwner: Parameters<StandingListeners['attach']>[0] | undefined;
  readonly options: ResolvedOptions;

  private constructor(options: BrokerOptions) {
    this.options = resolveOptions(options);
    this.ownsRecord = !this.options.record;
    this.record =
      this.options.record ??
      new TrafficRecord({
        ...(this.options.recordPath ? { path: this.options.recordPath } : {}),
        ...(this.options.recordWindow ? { memoryWindow: this.options.recordWindow } : {}),
        ...(this.options.recordSync ? { syncInbound: true } : {}),
        // a cluster's records merge by process (record/merge.ts)
        ...(this.options.cluster ? { meta: { node: clusterNode(this.options.cluster) } } : {}),
      });
    for (const d of this.options.knownDevices) this.known.add(d);
  }

  static async start(options: BrokerOptions = {}): Promise<C8yBroker> {
    const broker = new C8yBroker(options);
    try {
      await broker.boot();
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  private async boot(): Promise<void> {
    const o = this.options;
    if (o.cluster) this.cluster = await Cluster.join(o.cluster);
    const sessions: RedisStore | undefined =
      o.sessionStore ??
      (this.cluster ? { url: o.cluster!.url, prefix: `${this.cluster.prefix}:sessions:` } : undefined);
    this.sessionsInRedis = !!sessions;
    this.aedes = await Aedes.createBroker({
      persistence: (this.sessionStore = createSessionStore(sessions)),
      ...(o.cluster ? { mq: await clusterBus(o.cluster.url) } : {}),
      maxClientsIdLength: 65535,
      preConnect: (client, packet, cb) => this.preConnect(client, packet, cb),
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      published: (packet, client, cb) => {
        this.published(packet, client);
        cb(null);
      },
    });
    // aedes reports a refused login again as a client error, and a socket that went away too:
    // neither is malformed MQTT
    this.aedes.on('clientError', (client, err) => {
      const st = this.stateOf(client);
      const notProtocol =
        st?.refused ||
        TRANSPORT_ERROR.test(err.message) ||
        KEEPALIVE_ERROR.test(err.message) || // judged as keepalive-timeout (mqtt.keepalive), not as malformed MQTT
        this.linkFaults.isHole(st?.conn.id);
      this.decide(client, 'client-error', { reason: err.message }, notProtocol ? undefined : 'mqtt.protocol-error');
    });
    this.aedes.on('connectionError', (client, err) =>
      this.decide(client, 'connection-error', { reason: err.message }, 'mqtt.protocol-error'),
    );
    this.aedes.on('subscribe', (subs, client) => {
      const st = this.stateOf(client);
      if (!st?.deviceId) return;
      const granted = (client as unknown as { subscriptions: Record<string, unknown> }).subscriptions;
      const topics = subs.map((x) => x.topic).filter((t) => granted[t] !== undefined);
      for (const h of this.subscribeHandlers) h(st.deviceId, topics);
    });
    // on a black-holed link the silence is the harness's doing, not the device's
    this.aedes.on('keepaliveTimeout', (client) =>
      this.linkFaults.isHole(this.stateOf(client)?.conn.id)
        ? this.decide(client, 'keepalive-timeout', {
            reason: 'no packet within 1.5 × keepalive (the link is black-holed)',
          })
        : this.decide(client, 'keepalive-timeout', { reason: 'no packet within 1.5 × keepalive' }, 'mqtt.keepalive'),
    );
    if (this.cluster) this.joinPresence(this.cluster);
    (this.aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
      this.record.add('decision', { decision: 'broker-error', reason: err.message }),
    );

    if (o.standing) return this.attachTo(o.standing);
    const wantsTls = (['mqtts', 'wss'] as const).some((t) => o.ports[t] !== null && o.ports[t] !== undefined);
    if (wantsTls) this.tls = o.tls ?? (await localTlsMaterial([o.host, ...o.serverNames]));
    const deviceCas = o.trustedCas.length > 0 ? o.trustedCas : [(await localCa()).cert];
    for (const t of TRANSPORTS) {
      const port = o.ports[t];
      if (port === null || port === undefined) continue;
      const l = await listen(
        t,
        o.host,
        port,
        this.tls,
        (s, tr, remote) => this.accept(s, tr, remote),
        (tr, problem, remote) =>
          this.record.add('decision', { decision: 'transport-error', transport: tr, remote, reason: problem }),
        deviceCas,
      );
      this.listeners.push(l);
      this.ports[t] = l.port;
    }
  }

  /** a lab's standing listeners (fixed ports, up for the whole run) hand this broker their connections */
  private attachTo(standing: StandingListeners): void {
    this.tls = standing.tls;
    Object.assign(this.ports, standing.ports);
    this.standingOwner = {
      onStream: (s, tr, remote) => this.accept(s, tr, remote),
      onProblem: (tr, problem, remote) =>
        this.record.add('decision', { decision: 'transport-error', transport: tr, remote, reason: problem }),
    };
    standing.attach(this.standingOwner);
  }

  // ---- connections -------------------------------------------------------------------------

  private accept(stream: Duplex, transport: Transport, remote: string): void {
    const conn = this.record.openConnection(transport, remote);
    const st: ConnectionState = { conn, transport, stream, publishes: 0, arrived: 0 };
    this.state.set(stream, st);
    const limit = this.options.maxPacketSize;
    const guard = createFrameGuard({
      maxPacketSize: limit,
      onOversize: (size) => {
        this.record.add('decision', {
          decision: 'oversized-packet',
          conn: conn.id,
          clientId: st.clientId,
          deviceId: st.deviceId,
          size,
          limit,
          reason: `a packet of ${size} bytes exceeds the limit of ${limit} bytes; the connection is closed`,
          ...finding('mqtt.packet-size', this.options.strict),
        });
        stream.destroy();
      },
      onFrame: (type) => {
        const lose = st.deviceId !== undefined ? this.losses.get(st.deviceId) : undefined;
        if (lose === undefined || lose !== PACKET_TYPES[type]) return true;
        this.losses.delete(st.deviceId!);
        this.record.add('decision', {
          decision: 'packet-lost',
          conn: conn.id,
          clientId: st.clientId,
          deviceId: st.deviceId,
          type: lose,
          reason: `the harness made the broker lose this ${lose.toUpperCase()}: the connection drops as it arrives`,
        });
        stream.destroy();
        return false;
      },
    });
    const faults = this.linkFilter(st);
    if (this.options.recording) tapConnection(stream, conn, guard, faults);
    else tapConnection(stream, { in() {}, out() {} } as unknown as RecordedConnection, guard, faults);
    coalesceWrites(stream);
    this.streams.add(stream);
    stream.once('close', () => {
      this.streams.delete(stream);
      this.record.add('connection', { action: 'close', conn: conn.id, transport, clientId: st.clientId });
      this.linkFaults.closed(conn.id);
      this.forgetSession(st);
    });
    stream.on('error', () => {
      /* aedes reports it as a client or connection error */
    });
    this.aedes.handle(stream);
  }

  /**
   * A clean session ends with its connection: nothing of it is kept (no DUP resend can follow a new
   * clean session), so a broker that sees a million devices come and go does not grow with them.
   */
  private forgetSession(st: ConnectionState): void {
    const id = st.deviceId;
    if (!id || st.clean !== true) return;
    const live = this.clientOf(id);
    if (live && !live.closed && this.stateOf(live) !== st) return; // a newer connection of the device
    this.actedOn.forget(id);
  }

  /** the harness's faults on this connection: packets lost or late either way, or nothing at all */
  private linkFilter(st: ConnectionState): LinkFilter {
    const id = st.conn.id;
    let pushIn: (b: Buffer) => void = () => {};
    const inbound = new FrameFilter(
      (type) => {
        if (type === 3) st.arrived++;
        return this.linkFaults.verdict(st.deviceId, id, 'in', type);
      },
      (b) => pushIn(b),
    );
    return {
      in: (chunk, push) => {
        pushIn = push;
        inbound.write(chunk);
        return true;
      },
      outArmed: () => this.linkFaults.active(st.deviceId, id, 'out'),
      out: (bytes) =>
        filterWhole(bytes, (type, packet) => this.linkFaults.verdict(st.deviceId, id, 'out', type, packet)),
    };
  }

  private stateOf(client: Client | null | undefined): ConnectionState | undefined {
    return client ? this.state.get(client.conn as Duplex) : undefined;
  }

  /** record a decision about a connection; with a rule, it is a finding with that rule's severity */
  private decide(
    client: Client | null | undefined,
    decision: string,
    fields: Record<string, unknown>,
    rule?: string,
  ): void {
    const st = this.stateOf(client);
    this.record.add('decision', {
      decision,
      conn: st?.conn.id,
      clientId: st?.clientId,
      deviceId: st?.deviceId,
      ...fields,
      ...(rule ? finding(rule, this.options.strict) : {}),
    });
  }

  private preConnect(
    client: Client,
    packet: { clientId: string; protocolVersion?: number; will?: unknown; clean?: boolean },
    cb: (e: Error | null, ok: boolean) => void,
  ): void {
    const st = this.stateOf(client);
    if (!st) return cb(null, false);
    st.clientId = packet.clientId;
    st.clean = packet.clean !== false;
    if (packet.protocolVersion !== 3 && packet.protocolVersion !== 4) {
      this.decide(
        client,
        'protocol-refused',
        {
          returnCode: 1,
          reason: `MQTT protocol level ${packet.protocolVersion} is not accepted; only 3.1 (3) and 3.1.1 (4) are`,
        },
        'connect.protocol-level',
      );
      return cb(null, true); // aedes answers CONNACK 1
    }
    const id = parseClientId(packet.clientId);
    if (id.ok) {
      st.deviceId = id.value.deviceId;
      st.defaultTemplateId = id.value.defaultTemplateId;
      if (id.value.defaultTemplateId) this.defaultTemplates.set(id.value.deviceId, id.value.defaultTemplateId);
      else this.defaultTemplates.delete(id.value.deviceId);
      // aedes keys sessions and takeover by this id: uniqueness is by device identifier alone
      packet.clientId = id.value.deviceId;
    } else {
      st.clientIdProblem = id.reason;
    }
    if (packet.will) {
      if (this.options.lastWill === 'ignore') {
        this.decide(
          client,
          'will-ignored',
          {
            will: (packet.will as { topic: string }).topic,
            reason: 'Cumulocity does not support the last will; it will never be published',
          },
          'connect.last-will',
        );
        delete packet.will;
      } else {
        this.decide(
          client,
          'will-stored',
          {
            will: (packet.will as { topic: string }).topic,
            reason: 'lastWill is deliver: the will is processed as an upstream publish if the connection drops',
          },
          'connect.last-will',
        );
      }
    }
    cb(null, true);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    cb: (e: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ): void {
    const st = this.stateOf(client)!;
    const refuse = (returnCode: number, decision: string, reason: string, rule: string) => {
      st.refused = true;
      this.decide(client, decision, { returnCode, reason, username }, rule);
      cb(Object.assign(new Error(reason), { returnCode }), null);
    };
    if (st.clientIdProblem) return refuse(2, 'clientid-rejected', st.clientIdProblem, 'clientid.format');
    if (st.deviceId !== undefined && this.keptDown.has(st.deviceId)) {
      st.refused = true;
      const left = this.keptDown.get(st.deviceId)! - 1;
      if (left > 0) this.keptDown.set(st.deviceId, left);
      else this.allowReconnects(st.deviceId);
      const reason = "the harness keeps the device's link down: CONNACK 3 (server unavailable) until it lets it back";
      this.decide(client, 'reconnect-refused', { returnCode: 3, reason });
      return cb(Object.assign(new Error(reason), { returnCode: 3 }), null);
    }
    const login = this.login(st, username, password);
    if (!login.ok) return refuse(login.returnCode, login.decision, login.reason, login.rule);
    st.auth = login.method;
    st.tenant = login.tenant;
    const previous = (this.aedes as unknown as { clients: Record<string, Client> }).clients[st.deviceId!];
    if (previous && !previous.closed) {
      this.decide(client, 'takeover', {
        previousConn: this.stateOf(previous)?.conn.id,
        previousClientId: this.stateOf(previous)?.clientId,
        reason: `a new connection for device '${st.deviceId}' takes over; the older one is closed`,
      });
    }
    this.decide(client, 'connection-accepted', {
      tenant: login.tenant,
      user: login.user,
      clean: client.clean,
      auth: login.method,
    });
    if (!client.clean && login.method !== 'bootstrap') {
      this.decide(
        client,
        'clean-session-0',
        { reason: 'the device connects with clean session 0; the platform documents clean session 1' },
        'sessions.clean-session-0',
      );
    }
    cb(null, true);
  }

  /** the certificate counts when there is one; else the bootstrap login; else tenant/user and password */
  private login(
    st: ConnectionState,
    username: string | undefined,
    password: Buffer | undefined,
  ):
    | { ok: true; method: LoginMethod; tenant: string; user: string }
    | { ok: false; returnCode: number; decision: string; reason: string; rule: string } {
    const cert = certificateLogin(st.stream, st.deviceId!);
    if (cert.present) {
      if (!cert.ok)
        return {
          ok: false,
          returnCode: 5,
          decision: 'certificate-refused',
          reason: cert.reason,
          rule: 'connect.certificate',
        };
      return { ok: true, method: 'certificate', tenant: this.options.deviceTenant, user: `device_${cert.commonName}` };
    }
    if (username === BOOTSTRAP_USER) {
      if (password?.toString('utf8') !== this.options.bootstrapPassword) {
        return {
          ok: false,
          returnCode: 4,
          decision: 'login-refused',
          reason: `bad password for ${BOOTSTRAP_USER}`,
          rule: 'connect.credentials',
        };
      }
      return { ok: true, method: 'bootstrap', tenant: 'management', user: 'devicebootstrap' };
    }
    const v = checkLogin(this.options.credentials, username, password);
    if (!v.ok)
      return {
        ok: false,
        returnCode: v.returnCode,
        decision: 'login-refused',
        reason: v.reason,
        rule: 'connect.credentials',
      };
    return { ok: true, method: 'password', tenant: v.tenant, user: v.user };
  }

  private authorizeSubscribe(
    client: Client,
    sub: { topic: string; qos: number },
    cb: (e: Error | null, s?: never) => void,
  ): void {
    if (this.options.openTopics) return cb(null, sub as never);
    const st = this.stateOf(client);
    const verdict = checkSubscription(sub.topic);
    let refusal: { reason: string; rule: string } | undefined;
    if (st?.auth === 'bootstrap' && !BOOTSTRAP_SUBSCRIBE.has(sub.topic)) {
      refusal = {
        reason: `a bootstrap connection may subscribe only to s/dcr and s/e, not '${sub.topic}'`,
        rule: 'topics.subscribe-unknown',
      };
    } else if (!verdict.ok) {
      refusal = verdict;
    } else if (
      verdict.downstream &&
      this.options.refuseDownstreamBeforeRegistration &&
      st?.deviceId &&
      !this.known.has(st.deviceId)
    ) {
      refusal = {
        reason: `device '${st.deviceId}' does not exist yet: it must send 100 (or any data on s/us) before subscribing to '${sub.topic}'`,
        rule: 'topics.subscribe-before-registration',
      };
    }
    if (refusal) {
      this.decide(
        client,
        'subscription-refused',
        { topic: sub.topic, qos: sub.qos, returnCode: 0x80, reason: refusal.reason },
        refusal.rule,
      );
      return cb(null, null as never); // SUBACK 0x80
    }
    if (verdict.ok && verdict.json) {
      this.decide(
        client,
        'json-via-mqtt',
        { topic: sub.topic, reason: 'JSON via MQTT is accepted but not emulated: nothing is ever sent on this topic' },
        'topics.json-via-mqtt',
      );
    }
    cb(null, sub as never);
  }

  private authorizePublish(
    client: Client | null,
    packet: { topic: string; retain?: boolean; qos?: number },
    cb: (e?: Error | null) => void,
  ): void {
    const isWill = client !== null && (client as unknown as { will?: unknown }).will === packet;
    const st = this.stateOf(client);
    // which PUBLISH on its connection it was: a property of the packet (a WeakMap entry per packet cost GC time)
    if (!isWill && st) (packet as { [PUBLISH_INDEX]?: number })[PUBLISH_INDEX] = ++st.publishes;
    if (!isWill && st?.deviceId && this.actedOn.isResend(st.deviceId, packet as ResentPacket)) {
      this.resends.add(packet);
      this.decide(client, 'resend-not-acted-on', {
        topic: packet.topic,
        messageId: (packet as ResentPacket).messageId,
        reason:
          'sent again with DUP after the platform had acted on it (its PUBACK was lost): ' +
          'acknowledged, not acted on twice',
      });
    }
    if (isWill) {
      this.wills.add(packet);
      this.decide(client, 'will-published', {
        topic: packet.topic,
        reason: 'the connection dropped and lastWill is deliver',
      });
    }
    const route = this.options.openTopics ? undefined : parseUpstreamTopic(packet.topic);
    const refusal = this.options.openTopics
      ? undefined
      : !route
        ? `'${packet.topic}' is not a topic devices publish to (SPEC 3); the message is acknowledged and dropped`
        : st?.auth === 'bootstrap' && !BOOTSTRAP_PUBLISH.has(packet.topic)
          ? `a bootstrap connection may publish only on s/ucr, not '${packet.topic}'; the message is acknowledged and dropped`
          : undefined;
    if (refusal) {
      this.decide(
        client,
        'publish-refused',
        { topic: packet.topic, qos: packet.qos, reason: refusal },
        'topics.publish-unknown',
      );
      packet.topic = REFUSED_TOPIC;
    } else {
      // the device exists from the moment its data arrives, so a SUBSCRIBE right after its
      // PUBACK is judged with it in place
      if (st?.deviceId && (route?.kind === 'static' || route?.kind === 'custom')) this.known.add(st.deviceId);
      if (route?.kind === 'json') {
        this.decide(
          client,
          'json-via-mqtt',
          { topic: packet.topic, reason: 'JSON via MQTT is accepted and recorded but not emulated' },
          'topics.json-via-mqtt',
        );
      }
      if (packet.retain)
        this.decide(client, 'retain-ignored', {
          topic: packet.topic,
          reason: 'the retain flag has no effect: nothing is stored as retained',
        });
    }
    packet.retain = false;
    this.paced(client, st, packet, cb);
  }

  /** a rate-limited device's message: through now, held until its turn, or its connection closed */
  private paced(
    client: Client | null,
    st: ConnectionState | undefined,
    packet: { topic: string },
    cb: (e?: Error | null) => void,
  ): void {
    const rate = st?.deviceId === undefined ? undefined : this.rates.get(st.deviceId);
    if (!rate || !st) return cb(null);
    if (st.rateSeen !== true) {
      st.rateSeen = true;
      rate.connected();
    }
    const d = rate.decide(performance.now(), st.arrived - st.publishes);
    if (d === 'pass') return cb(null);
    const { perSecond, queue } = rate.limit;
    if (d === 'disconnect') {
      // messages that were on their way when it was cut go with it: one cut per connection
      if (st.rateCut === true) return;
      st.rateCut = true;
      this.decide(client, 'rate-limit-disconnect', {
        topic: packet.topic,
        reason: `over ${perSecond} messages a second with ${queue} held: the platform disconnects the device`,
      });
      st.stream.destroy();
      return;
    }
    this.decide(client, 'rate-limit-queued', {
      topic: packet.topic,
      holdMs: Math.round(d.holdMs),
      reason: `over ${perSecond} messages a second: the message waits its turn (${Math.round(d.holdMs)} ms)`,
    });
    setTimeout(() => cb(null), d.holdMs).unref();
  }

  /** from now on the device may send this many messages a second, with this many held beyond it */
  rateLimit(deviceId: string, limit: RateLimit): void {
    this.rates.set(deviceId, new DeviceRate(limit));
    this.record.add('decision', {
      decision: 'rate-limit-set',
      deviceId,
      ...limit,
      reason: `the broker limits the device to ${limit.perSecond} messages a second, holding ${limit.queue} beyond it`,
    });
  }

  private published(packet: { topic: string; payload: Buffer | string; qos: number }, client: Client | null): void {
    if (!client || packet.topic.startsWith('$')) return;
    const st = this.stateOf(client);
    const route = parseUpstreamTopic(packet.topic);
    if (!st?.deviceId || !route || this.resends.has(packet)) return;
    this.actedOn.remember(st.deviceId, packet as ResentPacket);
    if (this.upstreamHandlers.size === 0) return;
    const message: UpstreamMessage = {
      deviceId: st.deviceId,
      clientId: st.clientId ?? st.deviceId,
      conn: st.conn.id,
      topic: packet.topic,
      route,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      will: this.wills.has(packet),
      publishIndex: (packet as { [PUBLISH_INDEX]?: number })[PUBLISH_INDEX],
      auth: st.auth ?? 'password',
      tenant: st.tenant ?? this.options.deviceTenant,
    };
    if (st.defaultTemplateId) message.defaultTemplateId = st.defaultTemplateId;
    for (const h of this.upstreamHandlers) h(message);
  }

  // ---- the harness's and the platform's side -------------------------------------------------

  /** called for every accepted upstream publish, once (QoS 2 included) */
  onUpstream(handler: (m: UpstreamMessage) => void): () => void {
    this.upstreamHandlers.add(handler);
    return () => this.upstreamHandlers.delete(handler);
  }

  /** called after a device's SUBSCRIBE was answered, with the filters it was granted */
  onSubscribe(handler: (deviceId: string, topics: string[]) => void): () => void {
    this.subscribeHandlers.add(handler);
    return () => this.subscribeHandlers.delete(handler);
  }

  /** the cluster knows where each device is connected, and hands this process the messages for its devices */
  private joinPresence(cluster: Cluster): void {
    this.aedes.on('client', (client) => {
      const id = this.stateOf(client)?.deviceId;
      if (id) cluster.connected(id);
    });
    this.aedes.on('clientDisconnect', (client) => {
      const id = this.stateOf(client)?.deviceId;
      if (id) cluster.gone(id);
    });
    cluster.onDeliver(async (m) => {
      const c = this.clientOf(m.deviceId);
      if (!c || c.closed) return { status: 'gone' };
      const r = await this.send(m.deviceId, m.topic, Buffer.from(m.payload, 'base64'), { local: true });
      return r.status === 'sent' ? { status: 'sent', qos: r.qos! } : { status: 'not-subscribed' };
    });
  }

  registerDevice(deviceId: string): void {
    this.known.add(deviceId);
  }

  /** a device certificate signed by the broker's own CA (trusted when no trustedCas are given), for tests and labs */
  async issueDeviceCertificate(deviceId: string): Promise<{ cert: string; key: string }> {
    return issueCertificate(await localCa(), 'client', deviceId);
  }

  /** accept a login (the credentials bootstrap issues) from now on */
  addCredential(c: Credential): void {
    this.options.credentials.push(c);
  }

  /**
   * Link control from the broker's side, for any device: its connection is dropped without a
   * DISCONNECT (as a lost link is), and with `refuseReconnects` its reconnects get CONNACK 3 until
   * allowReconnects. Both are decisions in the record.
   */
  dropDevice(
    deviceId: string,
    opts: { refuseReconnects?: boolean; refuseForMs?: number; refuseAttempts?: number } = {},
  ): void {
    if (opts.refuseReconnects || opts.refuseForMs !== undefined) this.keptDown.set(deviceId, Infinity);
    if (opts.refuseAttempts !== undefined) this.keptDown.set(deviceId, opts.refuseAttempts);
    if (opts.refuseForMs !== undefined) setTimeout(() => this.allowReconnects(deviceId), opts.refuseForMs).unref();
    const client = this.clientOf(deviceId);
    const refusing =
      opts.refuseForMs !== undefined
        ? ` and refuses its reconnects for ${opts.refuseForMs} ms`
        : opts.refuseAttempts !== undefined
          ? ` and refuses its next ${opts.refuseAttempts} reconnects (CONNACK 3)`
          : opts.refuseReconnects
            ? ' and refuses its reconnects'
            : '';
    const reason = `the harness dropped the device's link${refusing}`;
    this.record.add('decision', { decision: 'link-dropped', deviceId, reason });
    (client as unknown as { conn?: Duplex } | undefined)?.conn?.destroy();
  }

  allowReconnects(deviceId: string): void {
    if (!this.keptDown.delete(deviceId)) return;
    this.record.add('decision', {
      decision: 'reconnects-allowed',
      deviceId,
      reason: 'the harness lets the device back',
    });
  }

  /** the device's current connection, as the record names it */
  connectionOf(deviceId: string): { conn: string; stream: Duplex } | undefined {
    const st = this.stateOf(this.clientOf(deviceId));
    return st && !st.stream.destroyed ? { conn: st.conn.id, stream: st.stream } : undefined;
  }

  /**
   * The device's link goes silent: nothing read, nothing written, and the socket stays open when
   * the broker gives the session up (as a link that fails somewhere between does): only the
   * device's own keepalive can notice. The socket closes when the device closes its end.
   */
  blackhole(deviceId: string): void {
    const c = this.connectionOf(deviceId);
    if (!c) throw new Error(`device '${deviceId}' has no connection to black-hole`);
    this.linkFaults.blackhole(c.conn, deviceId);
    const stream = c.stream;
    const real = stream.destroy.bind(stream);
    this.realDestroy.set(stream, real);
    let holding = false;
    // the device's close may come before or after the broker gives up: either way it ends the socket
    let remoteEnded = false;
    stream.once('end', () => {
      remoteEnded = true;
      if (holding) real();
    });
    stream.destroy = ((err?: Error) => {
      if (holding) return stream;
      holding = true;
      if (remoteEnded || stream.readableEnded) {
        real(err);
        return stream;
      }
      this.record.add('decision', {
        decision: 'blackhole-held',
        conn: c.conn,
        deviceId,
        reason: 'the broker gave the connection up; the black hole keeps the socket open and silent',
        ...(err ? { error: err.message } : {}),
      });
      stream.resume(); // read what still comes (and drop it), so the device's close is seen
      setTimeout(() => real(), 120_000).unref();
      return stream;
    }) as typeof stream.destroy;
  }

  /** packets of a type lost or late, from or to the device, for its next N of them */
  faultPackets(deviceId: string, fault: PacketFault): void {
    this.linkFaults.arm(deviceId, fault);
    const what = fault.action === 'lose' ? 'lose' : `hold for ${fault.delayMs} ms`;
    const way = fault.dir === 'in' ? 'from' : 'to';
    this.record.add('decision', {
      decision: 'packet-fault-armed',
      deviceId,
      ...fault,
      reason: `the broker will ${what} the next ${fault.count} ${fault.type.toUpperCase()}(s) ${way} the device`,
    });
  }

  /**
   * A CONNACK with a non-zero code on an established connection, as the platform was seen sending
   * (3: server unavailable, retry later), then the connection closes.
   */
  connackMidSession(deviceId: string, returnCode: number): void {
    if (!Number.isInteger(returnCode) || returnCode < 1 || returnCode > 5)
      throw new Error(`a refusing CONNACK has a return code from 1 to 5, not ${returnCode}`);
    const c = this.connectionOf(deviceId);
    if (!c) throw new Error(`device '${deviceId}' has no connection to send a CONNACK on`);
    this.record.add('decision', {
      decision: 'connack-mid-session',
      conn: c.conn,
      deviceId,
      returnCode,
      reason: `the harness made the broker send CONNACK ${returnCode} on the open connection, then close it`,
    });
    c.stream.end(Buffer.from([0x20, 0x02, 0x00, returnCode]));
    setTimeout(() => c.stream.destroy(), 200).unref();
  }

  isConnected(deviceId: string): boolean {
    const c = this.clientOf(deviceId);
    return !!c && c.connected && !c.closed;
  }

  private clientOf(deviceId: string): Client | undefined {
    return (this.aedes as unknown as { clients: Record<string, Client> }).clients[deviceId];
  }

  /**
   * Send a message to a device by its device identifier, at the QoS it subscribed with. An offline
   * device with a persistent session gets QoS 1/2 messages queued for its return.
   */
  async send(
    deviceId: string,
    topic: string,
    payload: string | Buffer,
    opts: { quiet?: boolean; local?: boolean } = {},
  ): Promise<DownstreamResult> {
    const client = this.clientOf(deviceId);
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const note = (status: DownstreamStatus, reason: string, qos?: number) => {
      if (!opts.quiet) this.record.add('decision', { decision: `downstream-${status}`, deviceId, topic, qos, reason });
    };
    const qos = await this.subscribedQos(deviceId, topic);
    if (client && !client.closed) {
      if (qos === undefined) {
        note('not-subscribed', `device '${deviceId}' is connected but not subscribed to '${topic}'`);
        return { status: 'not-subscribed' };
      }
      await new Promise<void>((resolve) =>
        client.publish({ cmd: 'publish', topic, payload: body, qos, retain: false, dup: false } as never, () =>
          resolve(),
        ),
      );
      return { status: 'sent', qos };
    }
    const forwarded = opts.local ? undefined : await this.forward(deviceId, topic, body);
    if (forwarded) {
      if (!opts.quiet) this.record.add('decision', { decision: 'downstream-forwarded', deviceId, topic, ...forwarded });
      return forwarded;
    }
    if (qos === undefined) {
      note('dropped-offline', `device '${deviceId}' is offline and has no persistent subscription to '${topic}'`);
      return { status: 'dropped-offline' };
    }
    if (qos === 0) {
      note(
        'dropped-offline',
        `device '${deviceId}' is offline and subscribed to '${topic}' with QoS 0, which is not queued`,
        0,
      );
      return { status: 'dropped-offline', qos };
    }
    await this.store.outgoingEnqueue(
      { clientId: deviceId },
      new Packet({ cmd: 'publish', topic, payload: body, qos, retain: false }, this.aedes),
    );
    note('queued', `device '${deviceId}' is offline; queued at QoS ${qos} for its persistent session`, qos);
    return { status: 'queued', qos };
  }

  /** a device connected to another process of the cluster gets the message from that process */
  private async forward(deviceId: string, topic: string, body: Buffer): Promise<DownstreamResult | undefined> {
    const node = await this.cluster?.whereIs(deviceId);
    if (!node || node === this.cluster!.node) return undefined;
    const a = await this.cluster!.forward(node, { deviceId, topic, payload: body.toString('base64') });
    if (a.status === 'gone') return undefined; // it left meanwhile: its session (if any) keeps the message
    return { status: a.status, ...(a.qos !== undefined ? { qos: a.qos } : {}), via: node };
  }

  private get store() {
    return (
      this.aedes as unknown as {
        persistence: {
          subscriptionsByClient(c: { id: string }): Promise<{ topic: string; qos: number }[] | null>;
          outgoingEnqueue(s: { clientId: string }, p: unknown): Promise<void>;
        };
      }
    ).persistence;
  }

  /** the QoS a device gets on a topic (connected, or offline with a persistent session), or undefined when it is not subscribed */
  async subscribedQos(deviceId: string, topic: string): Promise<number | undefined> {
    const client = this.clientOf(deviceId);
    if (client && !client.closed) {
      const subs = (client as unknown as { subscriptions: Record<string, { qos: number }> }).subscriptions;
      return grantedQos(
        Object.entries(subs).map(([filter, s]) => ({ topic: filter, qos: s.qos })),
        topic,
      );
    }
    return grantedQos((await this.store.subscriptionsByClient({ id: deviceId })) ?? [], topic);
  }

  /** the default template collection the device's ClientId names, if any */
  defaultTemplateOf(deviceId: string): string | undefined {
    return this.defaultTemplates.get(deviceId);
  }

  /** how many messages the broker holds as retained (the spec says: always none) */
  async retainedCount(): Promise<number> {
    const store = (
      this.aedes as unknown as {
        persistence: { createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown> };
      }
    ).persistence;
    let n = 0;
    for await (const _ of store.createRetainedStreamCombi(['#'])) n++;
    return n;
  }

  /**
   * Lose the next packet of this type from the device: the connection drops as it arrives, before
   * the broker acts on it (a PUBREC lost on the way makes the broker redeliver with DUP).
   */
  loseNext(deviceId: string, type: 'puback' | 'pubrec' | 'pubcomp' | 'publish' | 'subscribe' | 'pingreq'): void {
    this.losses.set(deviceId, type);
  }

  /** keepRecord: the record goes on (a restart of the broker within one scenario) */
  async close(opts: { keepRecord?: boolean } = {}): Promise<void> {
    const ended = [...this.streams].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          setTimeout(resolve, 2000).unref();
        }),
    );
    if (this.standingOwner) this.options.standing?.detach(this.standingOwner);
    // first the streams, for real: a listener waits for its sockets, and a black-held one would wait for ever
    for (const s of this.streams) (this.realDestroy.get(s) ?? s.destroy.bind(s))();
    await Promise.all(this.listeners.map((l) => l.close()));
    await Promise.all(ended);
    // a Redis store keeps its connection (and retries it) until it is destroyed, which needs the
    // broker still open (it unsubscribes from it first)
    // (the callback wrapper waits for a 'ready' that aedes 1.2's async setup never emits: ask the store itself)
    const store = this.sessionStore as { asyncPersistence?: { destroy(): Promise<void> } } | undefined;
    if (this.sessionsInRedis && store?.asyncPersistence)
      await Promise.race([
        store.asyncPersistence.destroy().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
    if (this.aedes) await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await this.cluster?.leave();
    if (this.ownsRecord && !opts.keepRecord) this.record.close();
    else this.record.flush();
  }
}

/** the QoS a device gets on a topic: the highest granted by any of its matching subscriptions */
export function grantedQos(subs: readonly { topic: string; qos: number }[], topic: string): number | undefined {
  let best: number | undefined;
  for (const s of subs) if (topicMatches(s.topic, topic) && (best === undefined || s.qos > best)) best = s.qos;
  return best;
}
