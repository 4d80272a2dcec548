// Several broker processes as one endpoint, through one Redis: where each device is connected
// (presence), messages for a device connected to another process (forwarded there and answered),
// and the platform's inventory and operations (stored as JSON hashes; every change published so
// each process keeps a current copy). aedes itself shares sessions (aedes-persistence-redis) and
// its message bus (mqemitter-redis) through the same Redis.
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisClient } from '../redis-client.ts';

export interface ClusterOptions {
  /** redis://host:port[/db] */
  url: string;
  /** keys and channels start with it, so clusters sharing one Redis do not meet (default c8y-hil) */
  prefix?: string;
  /** this process's name in presence and records (default broker-<pid>) */
  node?: string;
}

/** a message for a device connected to another process, and that process's answer */
export interface Forwarded {
  deviceId: string;
  topic: string;
  payload: string; // base64
}
export interface ForwardAnswer {
  status: 'sent' | 'not-subscribed' | 'gone';
  qos?: number;
}

export type SharedKind = 'device' | 'operation';
type Change = { from: string; kind: SharedKind; key: string; json: string };
type Envelope =
  | { type: 'deliver'; id: string; from: string; message: Forwarded }
  | { type: 'answer'; id: string; answer: ForwardAnswer };

const FORWARD_TIMEOUT_MS = 5000;
/** ids are handed out in blocks, so creating a device stays synchronous */
const ID_BLOCK = 10_000;

// delete the presence only when it is still this node's (a device may already be on another)
const RELEASE =
  "if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('hdel', KEYS[1], ARGV[1]) end return 0";

/** this process's name in the cluster */
export function clusterNode(o: ClusterOptions): string {
  return o.node ?? `broker-${process.pid}`;
}

export class Cluster {
  readonly node: string;
  readonly prefix: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly waiting = new Map<string, (a: ForwardAnswer) => void>();
  private deliverHandler: ((m: Forwarded) => Promise<ForwardAnswer>) | undefined;
  private readonly changeHandlers: ((kind: SharedKind, key: string, value: unknown) => void)[] = [];
  private readonly ranges = new Map<SharedKind, { next: number; end: number }[]>();
  private readonly refilling = new Set<SharedKind>();
  private readonly writes = new Set<Promise<unknown>>();

  private constructor(readonly options: ClusterOptions) {
    this.node = clusterNode(options);
    this.prefix = options.prefix ?? 'c8y-hil';
    const redis = () => redisClient(options.url, { maxRetriesPerRequest: 2, lazyConnect: true });
    this.cmd = redis();
    this.sub = redis();
  }

  static async join(options: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(options);
    try {
      await Promise.all([c.cmd.connect(), c.sub.connect()]);
    } catch (err) {
      c.cmd.disconnect();
      c.sub.disconnect();
      throw new Error(`the broker cannot join the cluster at ${options.url}: ${(err as Error).message}`);
    }
    await c.sub.subscribe(c.key('changes'), c.key(`node:${c.node}`));
    c.sub.on('message', (channel: string, text: string) => c.heard(channel, text));
    for (const kind of ['device', 'operation'] as const) await c.reserve(kind);
    return c;
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  private heard(channel: string, text: string): void {
    if (channel === this.key('changes')) {
      const ch = JSON.parse(text) as Change;
      if (ch.from !== this.node) for (const h of this.changeHandlers) h(ch.kind, ch.key, JSON.parse(ch.json));
      return;
    }
    const env = JSON.parse(text) as Envelope;
    if (env.type === 'answer') return this.waiting.get(env.id)?.(env.answer);
    const answer = this.deliverHandler
      ? this.deliverHandler(env.message).catch((): ForwardAnswer => ({ status: 'gone' }))
      : Promise.resolve<ForwardAnswer>({ status: 'gone' });
    void answer.then((a) =>
      this.cmd.publish(this.key(`node:${env.from}`), JSON.stringify({ type: 'answer', id: env.id, answer: a })),
    );
  }

  // ---- presence ------------------------------------------------------------------------------

  connected(deviceId: string): void {
    this.track(this.cmd.hset(this.key('presence'), deviceId, this.node));
  }
  gone(deviceId: string): void {
    this.track(this.cmd.eval(RELEASE, 1, this.key('presence'), deviceId, this.node));
  }
  /** the process the device is connected to, if any */
  async whereIs(deviceId: string): Promise<string | undefined> {
    return (await this.cmd.hget(this.key('presence'), deviceId)) ?? undefined;
  }

  // ---- forwarding ----------------------------------------------------------------------------

  onDeliver(handler: (m: Forwarded) => Promise<ForwardAnswer>): void {
    this.deliverHandler = handler;
  }

  /** hand a message to the process the device is connected to; 'gone' when it does not answer in time */
  async forward(node: string, message: Forwarded): Promise<ForwardAnswer> {
    const id = randomUUID();
    const answered = new Promise<ForwardAnswer>((resolve) => {
      const timer = setTimeout(() => resolve({ status: 'gone' }), FORWARD_TIMEOUT_MS);
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    await this.cmd.publish(this.key(`node:${node}`), JSON.stringify({ type: 'deliver', id, from: this.node, message }));
    try {
      return await answered;
    } finally {
      this.waiting.delete(id);
    }
  }

  // ---- shared platform state -----------------------------------------------------------------

  /** every stored object of a kind */
  async load(kind: SharedKind): Promise<unknown[]> {
    const all = await this.cmd.hgetall(this.key(kind));
    return Object.values(all).map((j) => JSON.parse(j) as unknown);
  }

  /** store an object and tell the other processes */
  put(kind: SharedKind, key: string, value: unknown): void {
    const json = JSON.stringify(value);
    const change: Change = { from: this.node, kind, key, json };
    this.track(
      this.cmd.multi().hset(this.key(kind), key, json).publish(this.key('changes'), JSON.stringify(change)).exec(),
    );
  }

  onChange(handler: (kind: SharedKind, key: string, value: unknown) => void): void {
    this.changeHandlers.push(handler);
  }

  /** the next id of a kind, unique across the cluster */
  nextId(kind: SharedKind): number {
    const ranges = this.ranges.get(kind)!;
    while (ranges[0] && ranges[0].next > ranges[0].end) ranges.shift();
    const r = ranges[0];
    if (!r) throw new Error(`the cluster's ${kind} ids ran out before Redis handed out more`);
    const id = r.next++;
    const left = ranges.reduce((n, x) => n + x.end - x.next + 1, 0);
    if (left < ID_BLOCK / 2 && !this.refilling.has(kind)) {
      this.refilling.add(kind);
      void this.track(this.reserve(kind)).finally(() => this.refilling.delete(kind));
    }
    return id;
  }

  private async reserve(kind: SharedKind): Promise<void> {
    const end = await this.cmd.incrby(this.key(`ids:${kind}`), ID_BLOCK);
    const ranges = this.ranges.get(kind) ?? [];
    ranges.push({ next: end - ID_BLOCK + 1, end });
    this.ranges.set(kind, ranges);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const q = p.catch((err: Error) => {
      process.stderr.write(`c8y-hil: the cluster's Redis refused a write: ${err.message}\n`);
    }) as Promise<T>;
    this.writes.add(q);
    void q.finally(() => this.writes.delete(q));
    return q;
  }

  /** wait for every write, then leave: this node's presences go */
  async leave(): Promise<void> {
    await Promise.all([...this.writes]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}
