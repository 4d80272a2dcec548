// The lease a run takes on its lab's device: when the lab file has a `leases` section (or
// C8Y_HIL_LEASES names a Redis URL), before anything touches the device, kept by a heartbeat for
// the whole run and given up at its end. Without either, a run leases nothing (as before).
import type { LabConfig } from '../lab-file.ts';
import { acquire, HeldLease, leasedBy, leaseOwner, leaseStore, waitingLine } from './holder.ts';
import { LeaseBusy, type Lease } from './lease-store.ts';

export async function leaseForRun(
  lab: LabConfig,
  runId: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ held: HeldLease; release(): Promise<void> } | undefined> {
  const redis = lab.leases?.redis ?? env.C8Y_HIL_LEASES;
  if (!lab.leases && !redis) return undefined;
  const store = leaseStore(redis, env);
  const ttlMs = lab.leases?.ttlMs ?? 30_000;
  const waitMs = lab.leases?.waitMs ?? 600_000;
  const onWait = (holders: readonly Lease[]) => process.stderr.write(waitingLine(holders, waitMs));
  const o = { ttlMs, waitMs, onWait };
  try {
    const held = await acquire(store, lab.device.id, leaseOwner(runId), o);
    return {
      held,
      release: async () => {
        await held.release().catch(() => {});
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * A free one of several devices (`--any-device`): each is tried in turn, then again every poll
 * until the wait is up; a run that gets none is broken, naming who holds each. Lock files on this
 * host when the lab names no Redis.
 */
export async function leaseAnyOf(
  lab: LabConfig,
  ids: readonly string[],
  runId: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ held: HeldLease; release(): Promise<void> }> {
  const store = leaseStore(lab.leases?.redis ?? env.C8Y_HIL_LEASES, env);
  const ttlMs = lab.leases?.ttlMs ?? 30_000;
  const waitMs = lab.leases?.waitMs ?? 600_000;
  const owner = leaseOwner(runId);
  const started = performance.now();
  let told = false;
  try {
    for (;;) {
      const holders: Lease[] = [];
      for (const id of ids) {
        const t = await store.take(id, owner, ttlMs);
        if (t.ok) {
          const held = new HeldLease(store, t.lease, ttlMs);
          return { held, release: () => held.release().finally(() => store.close()) };
        }
        holders.push(t.holder);
      }
      const waited = performance.now() - started;
      if (waited >= waitMs) {
        const err = new LeaseBusy(holders[0]!, waited);
        err.message = `no device free: ${leasedBy(holders)}; waited ${Math.round(waited)} ms`;
        throw err;
      }
      if (!told) process.stderr.write(waitingLine(holders, waitMs));
      told = true;
      await new Promise((r) => setTimeout(r, Math.min(250, waitMs - waited)));
    }
  } catch (err) {
    await store.close();
    throw err;
  }
}
