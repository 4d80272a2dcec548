// Leases in Redis, for a lab shared by runs on several hosts: a key per device holding the owner,
// set only when absent (SET NX) with the TTL as its expiry; renewal and release are scripts that
// act only for the owner, so a run can never extend or free another's lease.
import type { Redis } from 'ioredis';
import { redisClient } from '../redis-client.ts';
import type { Lease, LeaseStore, Taken } from './lease-store.ts';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Stored {
  owner: string;
  since: number;
}

export class RedisLeases implements LeaseStore {
  private readonly redis: Redis;

  constructor(
    readonly where: string,
    private readonly prefix = 'c8y-hil:lease:',
  ) {
    this.redis = redisClient(where, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => {
      /* a failed command reports it */
    });
  }

  private key(device: string): string {
    return `${this.prefix}${device}`;
  }

  /** the stored value is the owner's JSON: the scripts compare it whole */
  private async held(device: string): Promise<{ raw: string; lease: Lease } | undefined> {
    const key = this.key(device);
    const [raw, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (raw === null) return undefined;
    const s = JSON.parse(raw) as Stored;
    return { raw, lease: { device, owner: s.owner, since: s.since, expiresAt: Date.now() + Math.max(0, ttl) } };
  }

  async take(device: string, owner: string, ttlMs: number): Promise<Taken> {
    const since = Date.now();
    const raw = JSON.stringify({ owner, since } satisfies Stored);
    if ((await this.redis.set(this.key(device), raw, 'PX', ttlMs, 'NX')) === 'OK')
      return { ok: true, lease: { device, owner, since, expiresAt: since + ttlMs } };
    const held = await this.held(device);
    if (!held) return this.take(device, owner, ttlMs);
    if (held.lease.owner !== owner) return { ok: false, holder: held.lease };
    await this.redis.eval(RENEW, 1, this.key(device), held.raw, String(ttlMs));
    return { ok: true, lease: { ...held.lease, expiresAt: Date.now() + ttlMs } };
  }

  async renew(device: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = await this.held(device);
    if (!held || held.lease.owner !== owner) return false;
    return (await this.redis.eval(RENEW, 1, this.key(device), held.raw, String(ttlMs))) === 1;
  }

  async release(device: string, owner: string | undefined, force = false): Promise<boolean> {
    const held = await this.held(device);
    if (!held) return false;
    if (force) return (await this.redis.del(this.key(device))) === 1;
    if (held.lease.owner !== owner) return false;
    return (await this.redis.eval(RELEASE, 1, this.key(device), held.raw)) === 1;
  }

  async list(): Promise<Lease[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 100);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const leases = await Promise.all(keys.map((k) => this.held(k.slice(this.prefix.length))));
    return leases.flatMap((h) => (h ? [h.lease] : []));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
