// Taking a lease for a run: wait for the device up to a limit, keep the lease alive with a
// heartbeat while the run goes on, give it up at the end. A run that cannot get its device in
// time is broken (the lab, not the device), and the error names who holds it.
import { hostname, userInfo } from 'node:os';
import { FileLeases, defaultLeaseDir } from './file-leases.ts';
import { LeaseBusy, type Lease, type LeaseStore } from './lease-store.ts';
import { RedisLeases } from './redis-leases.ts';

export interface LeaseOptions {
  /** how long a lease lasts without a heartbeat (a dead runner frees its device after this) */
  ttlMs: number;
  /** how long to wait for a device another run holds */
  waitMs: number;
  /** how often to look again while waiting */
  pollMs?: number;
  /** told once, when the device is held by another and the wait begins */
  onWait?: (holders: readonly Lease[]) => void;
}

/** the store a run uses: Redis when a URL is given (lab file or C8Y_HIL_LEASES), else the host's lock files */
export function leaseStore(
  redisUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  /** a lock file names this process, so it frees when the process dies; 0: none, it lives by its TTL alone */
  pid: number = process.pid,
): LeaseStore {
  return redisUrl ? new RedisLeases(redisUrl) : new FileLeases(defaultLeaseDir(env), pid);
}

/** who a lease names: the user, the host, the process and (when there is one) the run */
export function leaseOwner(runId?: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry in some containers */
  }
  return `${user}@${hostname()} pid ${process.pid}${runId ? ` run ${runId}` : ''}`;
}

export class HeldLease {
  private readonly beat: NodeJS.Timeout;
  /** set when a renewal found the lease gone (expired or released by force) */
  lost: string | undefined;

  constructor(
    private readonly store: LeaseStore,
    readonly lease: Lease,
    ttlMs: number,
  ) {
    this.beat = setInterval(
      () => {
        void store
          .renew(lease.device, lease.owner, ttlMs)
          .then((ok) => {
            if (!ok) this.lost ??= `the lease on ${lease.device} was lost (expired or released by force)`;
          })
          .catch((err: Error) => (this.lost ??= `the lease on ${lease.device} could not be renewed: ${err.message}`));
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    this.beat.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.beat);
    await this.store.release(this.lease.device, this.lease.owner);
  }
}

/** who holds which device, for the messages of a run that waits or gives up */
export function leasedBy(holders: readonly Lease[]): string {
  return holders.map((h) => `${h.device} is leased by ${h.owner}`).join('; ');
}

/** the line a waiting run prints once, so that a run that seems to hang says why */
export function waitingLine(holders: readonly Lease[], waitMs: number): string {
  return `c8y-hil: waiting up to ${Math.round(waitMs / 1000)} s for a device: ${leasedBy(holders)}\n`;
}

/** the device for this owner, waiting up to `waitMs` while another holds it; LeaseBusy names the holder */
export async function acquire(store: LeaseStore, device: string, owner: string, o: LeaseOptions): Promise<HeldLease> {
  const started = performance.now();
  let told = false;
  for (;;) {
    const t = await store.take(device, owner, o.ttlMs);
    if (t.ok) return new HeldLease(store, t.lease, o.ttlMs);
    const waited = performance.now() - started;
    if (waited >= o.waitMs) throw new LeaseBusy(t.holder, waited);
    if (!told) o.onWait?.([t.holder]);
    told = true;
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 250, o.waitMs - waited)));
  }
}
