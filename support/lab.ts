// One Lab per scenario: a fresh broker and platform (on ephemeral ports, or behind the run's
// standing listeners when the lab fixes the ports), the scenario's record on disk, a temp folder
// (CA file), the device under test, and any helper clients. Works without cucumber; the world
// only holds one.
import type { IClientOptions, MqttClient } from 'mqtt';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { C8yBroker } from './broker/broker.ts';
import { packetType, type Direction } from './broker/link-faults.ts';
import { StandingListeners } from './broker/standing-listeners.ts';
import { startRedis, type RedisServer } from './broker/redis-server.ts';
import { localCa, localTlsMaterial } from './broker/tls.ts';
import { connectClient, type ConnectOutcome } from './broker/clients.ts';
import type { Credential } from './broker/credentials.ts';
import type { BrokerOptions, Transport } from './broker/options.ts';
import { Platform } from './broker/platform/platform.ts';
import type { OperationRequest } from './broker/platform/operations.ts';
import type { OperationRef } from './checks/operations.ts';
import { unacknowledged } from './checks/qos.ts';
import { readTemplatesFile } from './cli/templates-file.ts';
import { OPERATION_FRAGMENTS } from './smartrest/catalogue/index.ts';
import type { DeviceSettings } from './devices/device.ts';
import type { Device } from './devices/device.ts';
import type { RecordEvent } from './record/events.ts';
import type { LabBroker } from './lab-file.ts';

const LOSABLE = ['puback', 'pubrec', 'pubcomp', 'publish', 'subscribe', 'pingreq'] as const;

export const LAB_LOGIN: Credential = { tenant: 't100', user: 'device', password: 's3cret' };

/**
 * Lab settings from the environment: C8Y_HIL_STRICT=1 counts warnings as violations (SPEC 8);
 * C8Y_HIL_TEMPLATES=FILE preloads template collections (as c8y-hil broker --templates).
 */
export function labSettings(env = process.env): BrokerOptions {
  const strict = env.C8Y_HIL_STRICT === undefined ? {} : { strict: /^(1|true|yes)$/i.test(env.C8Y_HIL_STRICT) };
  return {
    ...strict,
    ...(env.C8Y_HIL_TEMPLATES ? { templateCollections: readTemplatesFile(env.C8Y_HIL_TEMPLATES) } : {}),
  };
}

export interface LabOptions {
  recordDir: string;
  name: string;
  broker?: BrokerOptions;
  /** the lab file's broker settings: where to listen, what devices are told, the login */
  settings?: LabBroker;
  /** make the lab's folder (its CA file) inside this one: a container device has it mounted */
  parentDir?: string;
}

/** the lab file's broker settings as broker options (C8Y_HIL_BIND is the older way to say bind) */
function fromLabFile(b: LabBroker = {}, env = process.env): BrokerOptions {
  const login = { ...LAB_LOGIN, ...pick(b, ['tenant', 'user', 'password']) };
  return {
    host: b.bind ?? env.C8Y_HIL_BIND ?? '127.0.0.1',
    credentials: [login],
    serverNames: [...(b.host ? [b.host] : []), ...(b.hostnames ?? [])],
    ...(b.ports ? { ports: { mqtt: null, mqtts: null, ws: null, wss: null, ...b.ports } } : {}),
    ...(b.strict !== undefined ? { strict: b.strict } : {}),
    ...(b.templates ? { templateCollections: readTemplatesFile(b.templates) } : {}),
  };
}

let scenarios = 0;

/** a lab whose broker keeps its state in Redis: each scenario is a cluster of its own there */
function clusterOf(b: LabBroker | undefined): Pick<BrokerOptions, 'cluster'> {
  if (!b?.redis) return {};
  const node = `${hostname()}-${process.pid}`;
  return { cluster: { url: b.redis, node, prefix: `c8y-hil:${node}:${Date.now()}-${++scenarios}` } };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Partial<Pick<T, K>>;
}

let standing: { key: string; listeners: Promise<StandingListeners> } | undefined;

/** the run's listeners on the lab's fixed ports, opened by the first scenario */
async function standingListeners(o: BrokerOptions): Promise<StandingListeners> {
  const host = o.host ?? '127.0.0.1';
  const ports = { mqtt: 0, mqtts: 0, ws: 0, wss: 0, ...o.ports };
  const key = JSON.stringify([host, ports, o.serverNames, o.trustedCas]);
  if (standing && standing.key !== key) {
    await closeStandingListeners();
  }
  if (!standing) {
    const wantsTls = ports.mqtts !== null || ports.wss !== null;
    const listeners = (async () =>
      StandingListeners.open({
        host,
        ports,
        ...(wantsTls ? { tls: o.tls ?? (await localTlsMaterial([host, ...(o.serverNames ?? [])])) } : {}),
        clientCas: o.trustedCas?.length ? o.trustedCas : [(await localCa()).cert],
      }))();
    standing = { key, listeners };
    listeners.catch(() => {
      if (standing?.listeners === listeners) standing = undefined;
    });
  }
  return standing.listeners;
}

/** the end of a run: the lab's fixed ports are let go */
export async function closeStandingListeners(): Promise<void> {
  const s = standing;
  standing = undefined;
  if (s) await (await s.listeners.catch(() => undefined))?.close();
}

/** a restart step's word: "keeping" or "losing" sessions (anything else is a step error) */
export function sessionsKept(how: string): boolean {
  if (how !== 'keeping' && how !== 'losing')
    throw new Error(`the broker restarts keeping or losing sessions, not '${how}'`);
  return how === 'keeping';
}

let redis: Promise<RedisServer> | undefined;

/** the Redis sessions are kept in: C8Y_HIL_REDIS, else one redis-server per worker, started on first use */
async function redisUrl(dir: string): Promise<string> {
  if (process.env.C8Y_HIL_REDIS) return process.env.C8Y_HIL_REDIS;
  redis ??= startRedis(dir).catch((err) => {
    redis = undefined;
    throw err;
  });
  return (await redis).url;
}

/** the end of a run: the worker's own redis-server goes */
export async function stopLabRedis(): Promise<void> {
  const r = redis;
  redis = undefined;
  await (await r?.catch(() => undefined))?.stop();
}

export class Lab {
  readonly clients: MqttClient[] = [];
  readonly platform: Platform;
  readonly caFile: string;
  device: Device | undefined;

  private constructor(
    public broker: C8yBroker,
    readonly recordPath: string,
    readonly dir: string,
    /** what devices are told the broker's address is */
    private readonly deviceHost: string,
  ) {
    this.caFile = join(dir, 'ca.pem');
    this.platform = new Platform(broker);
    if (broker.tls) writeFileSync(this.caFile, broker.tls.ca);
  }

  static async start(opts: LabOptions): Promise<Lab> {
    const file =
      opts.name
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 80) || 'scenario';
    const recordPath = join(opts.recordDir, `${file}.jsonl`);
    // a board on the bench reaches the broker over its own network: the lab file says where to listen
    const options = { ...fromLabFile(opts.settings), ...labSettings(), ...opts.broker, recordPath };
    const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'c8y-hil-lab-'));
    // fixed ports: one set of listeners for the whole run, a fresh broker behind them per scenario
    const standing = opts.settings?.ports ? await standingListeners(options) : undefined;
    const broker = await C8yBroker.start({
      ...options,
      ...clusterOf(opts.settings),
      ...(standing ? { standing } : {}),
    });
    broker.record.add('meta', { scenario: opts.name });
    const bound = broker.options.host === '0.0.0.0' ? '127.0.0.1' : broker.options.host;
    const lab = new Lab(broker, recordPath, dir, opts.settings?.host ?? process.env.C8Y_HIL_DEVICE_HOST ?? bound);
    await lab.platform.share();
    return lab;
  }

  get record() {
    return this.broker.record;
  }
  get strict(): boolean {
    return this.broker.options.strict;
  }
  /** the login devices are given */
  get login(): Credential {
    return this.broker.options.credentials[0]!;
  }

  addCredential(c: Credential): void {
    this.broker.options.credentials.push(c);
  }

  /** create an operation on the platform; what the steps keep of it is what the record can be asked about */
  async createOperation(req: OperationRequest, waitMs = 10_000): Promise<OperationRef> {
    await this.deviceExists(req.device, waitMs);
    const op = await this.platform.createOperation(req);
    this.record.add('step', { action: 'note', text: `operation ${op.id} (${op.fragment}) created for ${op.deviceId}` });
    return { id: op.id, fragment: op.fragment, deviceId: op.deviceId };
  }

  /** data for a device waits until the record shows the platform has it (a board registers in its own time) */
  private async deviceExists(id: string, waitMs: number): Promise<void> {
    const known = (e: RecordEvent) =>
      (e.change === 'device-created' || e.change === 'child-created' || e.change === 'managed-object-created') &&
      e.deviceId === id;
    try {
      await this.record.eventually({ kind: 'platform', where: known }, waitMs);
    } catch {
      throw new Error(`no device '${id}' on the platform: it did not register (100, or any data) within ${waitMs} ms`);
    }
  }

  /**
   * An operation the device does not support, to see how it answers: c8y_UploadConfigFile unless
   * the device says it supports that, else the first catalogue operation it does not list.
   */
  unsupportedOperation(supported: readonly string[] | undefined): string {
    const candidates = ['c8y_UploadConfigFile', ...OPERATION_FRAGMENTS];
    const fragment = candidates.find((f) => !supported?.includes(f));
    if (!fragment)
      throw new Error('the device supports every operation of the catalogue: no unsupported one is left to send');
    return fragment;
  }

  /**
   * A client certificate for the device, signed by the CA the lab's broker trusts, written to the
   * lab's folder (with another unit's beside it: <name>.other.pem, which a faulty firmware may pick).
   */
  async deviceCertificate(deviceId: string): Promise<{ cert: string; key: string }> {
    const files = { cert: join(this.dir, 'device.pem'), key: join(this.dir, 'device.key') };
    const mine = await this.broker.issueDeviceCertificate(deviceId);
    const other = await this.broker.issueDeviceCertificate(`${deviceId}-other`);
    writeFileSync(files.cert, mine.cert);
    writeFileSync(files.key, mine.key);
    writeFileSync(join(this.dir, 'device.other.pem'), other.cert);
    writeFileSync(join(this.dir, 'device.other.key'), other.key);
    return files;
  }

  /**
   * The device loses its link without a DISCONNECT: through its console when its profile says how
   * (linkDown), else from the broker's side (its connection dropped, reconnects refused until
   * linkUp). Done when the record shows the connection closed.
   */
  /** returns the record position of the close: a reconnect counts from there */
  async linkDown(device: Device): Promise<number> {
    const since = this.record.events().at(-1)?.seq ?? 0;
    if (device.has('linkDown')) await device.linkDown();
    else this.broker.dropDevice(device.id, { refuseReconnects: true });
    return (await this.record.eventually({ kind: 'connection', action: 'close' }, 5000, since)).seq;
  }

  /**
   * From the broker's side, for any device: drop its link, refuse its reconnects for a while.
   * Returns the record position of the close.
   */
  async dropLink(device: Device, refuseForMs?: number): Promise<number> {
    const since = this.record.events().at(-1)?.seq ?? 0;
    this.broker.dropDevice(device.id, refuseForMs === undefined ? {} : { refuseForMs });
    return (await this.record.eventually({ kind: 'connection', action: 'close' }, 5000, since)).seq;
  }

  /** the broker drops the link and answers the next `attempts` reconnects CONNACK 3 (server unavailable) */
  async dropLinkRefusing(device: Device, attempts: number): Promise<number> {
    const since = this.record.events().at(-1)?.seq ?? 0;
    this.broker.dropDevice(device.id, { refuseAttempts: attempts });
    return (await this.record.eventually({ kind: 'connection', action: 'close' }, 5000, since)).seq;
  }

  /** the link goes silent from the broker's side: nothing read, nothing written */
  blackhole(device: Device): void {
    this.broker.blackhole(device.id);
  }

  /** packets of a type (a misspelt or impossible one is a clear error) lost or held, from or to the device */
  faultPackets(
    device: Device,
    f: { type: string; dir: Direction; action: 'lose' | 'delay'; count: number; delayMs?: number },
  ): void {
    this.broker.faultPackets(device.id, { ...f, type: packetType(f.type, f.dir) });
  }

  /** the platform refuses the device's measurements from now on (41 on s/e) */
  refuseMeasurements(device: Device): void {
    this.platform.refuseMeasurements(device.id);
  }

  /**
   * Waits until the device has answered every QoS 1/2 PUBLISH the broker sent on its latest
   * connection (PUBACK or PUBREC in the record, lost on the way or not): a link dropped before
   * that makes the broker send it again, and a device may act on a QoS 1 resend as a new message.
   */
  async acknowledged(device: Device, withinMs: number): Promise<void> {
    const until = performance.now() + withinMs;
    while (unacknowledged(this.record.events(), device.id).length > 0) {
      if (performance.now() > until) {
        const n = unacknowledged(this.record.events(), device.id).length;
        throw new Error(`the device has not acknowledged ${n} PUBLISH(es) the broker sent it within ${withinMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** waits until every packet fault armed for the device has struck; a clear error names what never came */
  async packetFaultsStruck(device: Device, withinMs: number): Promise<void> {
    const until = performance.now() + withinMs;
    while (this.broker.linkFaults.pending(device.id).length > 0) {
      if (performance.now() > until) {
        const left = this.broker.linkFaults.pending(device.id).join(', ');
        throw new Error(`the broker's packet faults had not all struck after ${withinMs} ms: still to come ${left}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** a CONNACK with a non-zero code on the device's open connection, which then closes */
  async connackMidSession(device: Device, code: number): Promise<number> {
    const since = this.record.events().at(-1)?.seq ?? 0;
    this.broker.connackMidSession(device.id, code);
    return (await this.record.eventually({ kind: 'connection', action: 'close' }, 5000, since)).seq;
  }

  /** the platform's rate limit for the device: messages a second, and how many it holds beyond that */
  rateLimit(device: Device, perSecond: number, queue: number): void {
    this.broker.rateLimit(device.id, { perSecond, queue });
  }

  /** pending operations go out again when the device subscribes to s/ds (and on 500), in one PUBLISH */
  pushPendingInOnePublish(): void {
    Object.assign(this.broker.options, { pushPendingOnSubscribe: true, batchPendingOperations: true });
    this.record.add('step', {
      action: 'note',
      text: 'the broker pushes pending operations on a new s/ds subscription, in one PUBLISH, a line each',
    });
  }

  /**
   * From now on the broker keeps MQTT sessions in Redis, so they outlive a restart: the broker is
   * restarted onto it at once (before the device connects). Each scenario's keys are its own.
   */
  async keepSessionsInRedis(): Promise<void> {
    const url = this.broker.cluster?.options.url ?? (await redisUrl(this.dir));
    const prefix = `c8y-hil:${process.pid}:${this.dir.split('/').at(-1)}:`;
    await this.restartBroker({ downMs: 0, sessionStore: { url, prefix }, quiet: true });
  }

  /**
   * The MQTT endpoint restarts: every connection closes, nothing listens for `downMs`, then a new
   * broker takes the same ports, the same record and the same platform. Sessions survive when they
   * are kept in Redis (keepSessionsInRedis), else they are lost.
   */
  async restartBroker(opts: {
    downMs: number;
    keepSessions?: boolean;
    sessionStore?: { url: string; prefix: string };
    quiet?: boolean;
  }): Promise<void> {
    const old = this.broker;
    // a broker of a cluster keeps its sessions in the cluster's Redis; losing them takes a fresh prefix
    const clustered = old.cluster && { url: old.cluster.options.url, prefix: `${old.cluster.prefix}:sessions:` };
    const kept = old.options.sessionStore ?? clustered;
    const store =
      opts.sessionStore ??
      (opts.keepSessions === false ? clustered && { ...clustered, prefix: `${clustered.prefix}${Date.now()}:` } : kept);
    if (opts.keepSessions && !store)
      throw new Error(
        'sessions outlive a restart only when they are kept in Redis: "the broker keeps sessions in Redis" first',
      );
    if (!opts.quiet)
      this.record.add('decision', {
        decision: 'broker-restart',
        downMs: opts.downMs,
        sessions: store && opts.keepSessions !== false ? 'kept (Redis)' : 'lost',
        reason:
          `the harness restarts the broker: down for ${opts.downMs} ms, ` +
          `sessions ${store && opts.keepSessions !== false ? 'kept' : 'lost'}`,
      });
    await old.close({ keepRecord: true });
    if (opts.downMs > 0) await new Promise((r) => setTimeout(r, opts.downMs));
    const { sessionStore: _s, ...rest } = old.options;
    const next = await C8yBroker.start({
      ...rest,
      ports: { ...old.ports },
      record: old.record,
      ...(old.tls ? { tls: old.tls } : {}),
      knownDevices: [...new Set([...rest.knownDevices, ...this.platform.inventory.ids()])],
      ...(store ? { sessionStore: store } : {}),
    });
    this.broker = next;
    this.platform.attach(next);
    if (!opts.quiet) this.record.add('decision', { decision: 'broker-restarted', reason: 'the broker listens again' });
  }

  async linkUp(device: Device): Promise<void> {
    if (device.has('linkUp')) await device.linkUp();
    else this.broker.allowReconnects(device.id);
  }

  /**
   * The broker dropped the link (a lost packet): the record shows it closed, and the console too
   * when the profile says how.
   */
  async linkGone(device: Device): Promise<number> {
    const closed = await this.record.eventually({ kind: 'connection', action: 'close' }, 5000);
    const line = device.profile.expect.linkGone;
    if (line) await device.readUntil(line, 5000);
    return closed.seq;
  }

  /** make the broker lose the device's next packet of a type (a misspelt type is a clear error, not a silent wait) */
  loseNext(deviceId: string, type: string): void {
    const t = type.toLowerCase();
    if (!LOSABLE.includes(t as (typeof LOSABLE)[number]))
      throw new Error(`the broker can lose a ${LOSABLE.map((x) => x.toUpperCase()).join(', ')}; not '${type}'`);
    this.broker.loseNext(deviceId, t as (typeof LOSABLE)[number]);
  }

  /** what the device needs to reach this lab's broker over a transport, with the lab's login */
  deviceSettings(transport: Transport): DeviceSettings {
    const port = this.broker.ports[transport];
    if (port === null) throw new Error(`the lab's broker has no ${transport} listener`);
    const { tenant, user, password } = this.login;
    return {
      host: this.deviceHost,
      port,
      transport,
      tenant,
      user,
      password,
      ca: this.caFile,
      clean: true,
      qos: 1,
      keepalive: 60,
    };
  }

  /** a helper client (not the device under test) */
  async connect(transport: Transport, options: IClientOptions): Promise<ConnectOutcome & { conn?: string }> {
    const since = this.record.events().length;
    const outcome = await connectClient({ ports: this.broker.ports, ca: this.broker.tls?.ca }, transport, options);
    this.clients.push(outcome.client);
    const connack = await this.record.eventually(
      { kind: 'packet', type: 'connack', dir: 'out', where: (e) => e.seq > since },
      2000,
    );
    // the checks tell the harness's clients from the device's by this
    this.record.add('step', {
      action: 'harness-client',
      conn: connack.conn,
      text: `the harness's own client ${String(options.clientId)}`,
    });
    return { ...outcome, conn: connack.conn as string };
  }

  /**
   * A second client takes the device's identifier over, and takes it back each time the device
   * takes it (50 ms later), for the time given, then leaves: what two units with one identifier
   * do in the field. Done when the rival gives up; returns the record position of the device's
   * first connection closed.
   */
  async rivalFor(device: Device, ms: number): Promise<number> {
    const since = this.record.events().at(-1)?.seq ?? 0;
    const until = performance.now() + ms;
    const login = { username: `${LAB_LOGIN.tenant}/${LAB_LOGIN.user}`, password: LAB_LOGIN.password };
    const grab = async (): Promise<void> => {
      const { client } = await this.connect('mqtt', { clientId: `d:${device.id}:rival`, ...login });
      const left = until - performance.now();
      if (left <= 0) return void client.end(true);
      const leave = setTimeout(() => client.end(true), left);
      client.once('close', () => {
        clearTimeout(leave);
        if (performance.now() < until) setTimeout(() => void grab().catch(() => {}), 50);
      });
    };
    await grab();
    const taken = await this.record.eventually({ kind: 'decision', decision: 'takeover' }, 5000, since);
    const closed = await this.record.eventually(
      { kind: 'connection', action: 'close', conn: taken.previousConn as string },
      5000,
    );
    // done when the rival has given up: the device's attempts meanwhile are all in the record
    await new Promise((r) => setTimeout(r, Math.max(0, until - performance.now())));
    return closed.seq;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end(true);
    // a broker restarted in the scenario writes into a record it does not own: close it here
    const restarted = this.broker.options.record !== undefined;
    await this.broker.close();
    if (restarted) this.record.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
