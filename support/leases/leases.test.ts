// Leases on both stores, one contract: a free device is taken, a held one names its holder, the
// owner renews and releases, a stranger cannot; a lease runs out by its TTL; a runner killed with
// SIGKILL frees its device (Redis: after the TTL; lock files: at once, its PID is gone). Redis is
// a real redis-server on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLeases } from './file-leases.ts';
import { RedisLeases } from './redis-leases.ts';
import { acquire } from './holder.ts';
import { LeaseBusy, type LeaseStore } from './lease-store.ts';
import { redisMissing, startRedis, type RedisServer } from '../broker/redis-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-leases-test-'));
let redis: RedisServer | undefined;
after(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function redisStore(): Promise<RedisLeases> {
  redis ??= await startRedis(dir);
  return new RedisLeases(redis.url, `test:${Math.random().toString(36).slice(2)}:`);
}

const stores: [string, () => Promise<LeaseStore>, string | undefined][] = [
  ['lock files', async () => new FileLeases(mkdtempSync(join(dir, 'files-'))), undefined],
  ['redis', redisStore, redisMissing()],
];

for (const [name, open, skip] of stores) {
  test(`${name}: take, busy naming the holder, renew, release by the owner only, list`, { skip }, async () => {
    const s = await open();
    try {
      const a = await s.take('ACME-7', 'alice', 5000);
      assert.equal(a.ok, true);
      const b = await s.take('ACME-7', 'bob', 5000);
      assert.deepEqual(b.ok ? 'taken' : b.holder.owner, 'alice');
      assert.equal((await s.take('ACME-7', 'alice', 5000)).ok, true, 'the owner may take it again');
      assert.equal(await s.renew('ACME-7', 'alice', 5000), true);
      assert.equal(await s.renew('ACME-7', 'bob', 5000), false, 'a stranger cannot renew');
      assert.equal(await s.release('ACME-7', 'bob'), false, 'nor release');
      assert.equal((await s.take('EMU-2', 'bob', 5000)).ok, true);
      assert.deepEqual((await s.list()).map((l) => `${l.device}:${l.owner}`).sort(), ['ACME-7:alice', 'EMU-2:bob']);
      assert.equal(await s.release('ACME-7', 'alice'), true);
      assert.equal((await s.take('ACME-7', 'bob', 5000)).ok, true, 'free again');
      assert.equal(await s.release('ACME-7', undefined, true), true, 'forced');
      assert.deepEqual(
        (await s.list()).map((l) => l.device),
        ['EMU-2'],
      );
    } finally {
      await s.close();
    }
  });

  test(
    `${name}: a lease not renewed runs out; a heartbeat keeps it; waiting gives up naming the holder`,
    { skip },
    async () => {
      const s = await open();
      try {
        await s.take('B1', 'alice', 300);
        assert.equal((await s.take('B1', 'bob', 300)).ok, false);
        await sleep(450);
        assert.equal((await s.take('B1', 'bob', 300)).ok, true, 'alice did not renew: it ran out');
        const held = await acquire(s, 'B2', 'carol', { ttlMs: 300, waitMs: 0 });
        await sleep(700);
        await assert.rejects(acquire(s, 'B2', 'dave', { ttlMs: 300, waitMs: 200, pollMs: 50 }), (err: unknown) => {
          assert.ok(err instanceof LeaseBusy);
          assert.match((err as Error).message, /device B2 is leased by carol since .* waited \d+ ms/);
          return true;
        });
        await held.release();
        const got = await acquire(s, 'B2', 'dave', { ttlMs: 300, waitMs: 200 });
        await got.release();
      } finally {
        await s.close();
      }
    },
  );
}

/** a runner in its own process that leases the device and heartbeats, until it is killed */
function runner(store: string, where: string, prefix: string, ttlMs: number) {
  const lib = (f: string) => JSON.stringify(join(import.meta.dirname, f));
  const open =
    store === 'redis'
      ? `new m.RedisLeases(${JSON.stringify(where)}, ${JSON.stringify(prefix)})`
      : `new m.FileLeases(${JSON.stringify(where)})`;
  const code = `
    const { acquire } = await import(${lib('holder.ts')});
    const m = await import(${lib(store === 'redis' ? 'redis-leases.ts' : 'file-leases.ts')});
    const s = ${open};
    await acquire(s, 'RACK-1', 'runner ' + process.pid, { ttlMs: ${ttlMs}, waitMs: 0 });
    console.log('HELD');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('HELD') && resolve());
    child.once('exit', (c) => reject(new Error(`the runner exited with ${c}`)));
  });
  return { child, held };
}

for (const [name, skip] of [
  ['lock files', undefined],
  ['redis', redisMissing()],
] as const) {
  test(`${name}: a runner killed with SIGKILL frees its device (after the TTL for Redis)`, { skip }, async () => {
    const prefix = `kill:${name}:`;
    const where = name === 'redis' ? (redis ??= await startRedis(dir)).url : mkdtempSync(join(dir, 'kill-'));
    const s: LeaseStore = name === 'redis' ? new RedisLeases(where, prefix) : new FileLeases(where);
    const { child, held } = runner(name === 'redis' ? 'redis' : 'files', where, prefix, 1500);
    try {
      await held;
      const busy = await s.take('RACK-1', 'second run', 1500);
      assert.equal(busy.ok ? '' : busy.holder.owner, `runner ${child.pid}`, 'held, with the runner named');
      await sleep(2000);
      assert.equal((await s.take('RACK-1', 'second run', 1500)).ok, false, 'the heartbeat keeps it past its TTL');
      const killedAt = performance.now();
      child.kill('SIGKILL');
      const got = await acquire(s, 'RACK-1', 'second run', { ttlMs: 1500, waitMs: 5000, pollMs: 50 });
      const freedAfter = performance.now() - killedAt;
      await got.release();
      if (name === 'redis') assert.ok(freedAfter > 300, `the key lives out its TTL (${freedAfter} ms)`);
      assert.ok(freedAfter < 2500, `free within the TTL and a poll (${freedAfter} ms)`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await s.close();
    }
  });
}
