// aedes' memory persistence, with one change the spec needs: a QoS 1/2 message that was sent
// before but never acknowledged is resent with DUP set when the session resumes.
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import memoryPersistence from 'aedes-persistence';

// the package's types describe its class; at run time the default export is a factory
const memory = memoryPersistence as unknown as () => { outgoingStream(client: unknown): Readable };
// aedes-persistence-redis is loaded only when sessions live in Redis
const require = createRequire(import.meta.url);

function redisStore(r: RedisStore): { outgoingStream(client: unknown): Readable } {
  const u = new URL(r.url);
  const opts = { host: u.hostname, port: Number(u.port || 6379), keyPrefix: r.prefix, maxRetriesPerRequest: 2 };
  const redisPersistence: unknown = require('aedes-persistence-redis');
  return (redisPersistence as (o: object) => { outgoingStream(client: unknown): Readable })(opts);
}

interface StoredPacket {
  cmd?: string;
  messageId?: number;
  dup?: boolean;
}

/** sessions in Redis (aedes-persistence-redis), so they outlive a broker restart */
export interface RedisStore {
  url: string;
  /** keys of this broker's sessions start with it, so scenarios sharing a Redis do not meet */
  prefix: string;
}

export function createSessionStore(redis?: RedisStore): object {
  const store = redis ? redisStore(redis) : memory();
  const outgoingStream = store.outgoingStream.bind(store);
  store.outgoingStream = (client) =>
    outgoingStream(client).map((p: StoredPacket) => {
      // a message id is given when the message is first written; queued-while-offline ones have none
      if ((p.cmd ?? 'publish') === 'publish' && p.messageId) p.dup = true;
      return p;
    });
  return store;
}
