// Leases on the lab's devices, so that runs sharing a lab (a pipeline per firmware branch, a
// person at the bench) never drive one board at once. A lease has an owner and expires unless its
// holder renews it (a heartbeat): a runner that dies frees its device after the TTL. Two stores:
// Redis for a lab shared across hosts, lock files for one host.

export interface Lease {
  device: string;
  /** who holds it: user@host, the process and the run */
  owner: string;
  /** when it was taken (epoch ms) */
  since: number;
  /** when it runs out unless renewed (epoch ms) */
  expiresAt: number;
}

export type Taken = { ok: true; lease: Lease } | { ok: false; holder: Lease };

export interface LeaseStore {
  /** where the leases live, for messages (a Redis URL, a folder) */
  readonly where: string;
  /** takes the device for the owner when it is free (or already the owner's), else names the holder */
  take(device: string, owner: string, ttlMs: number): Promise<Taken>;
  /** extends the owner's lease; false when it is not the owner's any more */
  renew(device: string, owner: string, ttlMs: number): Promise<boolean>;
  /** gives the lease up: the owner's only, or anyone's with `force` */
  release(device: string, owner: string | undefined, force?: boolean): Promise<boolean>;
  /** every lease in force */
  list(): Promise<Lease[]>;
  close(): Promise<void>;
}

/** a device another run holds for longer than this run would wait: the run is broken, not failed */
export class LeaseBusy extends Error {
  constructor(
    readonly holder: Lease,
    waitedMs: number,
  ) {
    super(
      `device ${holder.device} is leased by ${holder.owner} since ${new Date(holder.since).toISOString()} ` +
        `(expires ${new Date(holder.expiresAt).toISOString()} unless renewed); waited ${Math.round(waitedMs)} ms`,
    );
    this.name = 'LeaseBusy';
  }
}
