// ioredis for the parts that talk to a Redis (leases, the broker cluster, its message bus). It is
// loaded by the first client made, not by every process that imports those parts: most runs
// never use a Redis, and loading it costs a tenth of a second each start.
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);

export function redisClient(url: string, options: RedisOptions = {}): Redis {
  const { Redis: Client } = require('ioredis') as typeof import('ioredis');
  return new Client(url, options);
}
