// Leases as lock files in one folder, for runs on one host without Redis: a file per device,
// created exclusively (O_EXCL), holding the owner, its PID and when it expires. A lease whose time
// is up, or whose process is gone, is taken over.
import { mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease, LeaseStore, Taken } from './lease-store.ts';

interface LockFile extends Lease {
  pid: number;
}

/** the folder of the host's lease files: C8Y_HIL_LEASE_DIR, else one under the temp folder */
export function defaultLeaseDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.C8Y_HIL_LEASE_DIR ?? join(tmpdir(), 'c8y-hil-leases');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileLeases implements LeaseStore {
  constructor(
    readonly where: string,
    /** the PID a new lease names: the runner's (0 for a CLI lease: it lives by its TTL alone) */
    private readonly pid: number = process.pid,
  ) {
    mkdirSync(where, { recursive: true });
  }

  private file(device: string): string {
    return join(this.where, `${encodeURIComponent(device)}.lease`);
  }

  private read(device: string): LockFile | undefined {
    try {
      return JSON.parse(readFileSync(this.file(device), 'utf8')) as LockFile;
    } catch {
      return undefined;
    }
  }

  /** a lease in force: not expired, and its process (when it names one) still there */
  private inForce(l: LockFile | undefined): l is LockFile {
    return l !== undefined && l.expiresAt > Date.now() && (l.pid === 0 || alive(l.pid));
  }

  private write(l: LockFile): void {
    const tmp = `${this.file(l.device)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(l));
    renameSync(tmp, this.file(l.device));
  }

  async take(device: string, owner: string, ttlMs: number): Promise<Taken> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      const lease: LockFile = { device, owner, since: now, expiresAt: now + ttlMs, pid: this.pid };
      try {
        const fd = openSync(this.file(device), 'wx');
        writeFileSync(fd, JSON.stringify(lease));
        closeSync(fd);
        return { ok: true, lease: strip(lease) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = this.read(device);
      if (held && held.owner === owner) {
        this.write({ ...held, expiresAt: now + ttlMs });
        return { ok: true, lease: strip({ ...held, expiresAt: now + ttlMs }) };
      }
      if (this.inForce(held)) return { ok: false, holder: strip(held) };
      // expired or orphaned: gone, and the exclusive create decides who gets it next
      rmSync(this.file(device), { force: true });
    }
    const held = this.read(device);
    return held ? { ok: false, holder: strip(held) } : this.take(device, owner, ttlMs);
  }

  async renew(device: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.read(device);
    if (!held || held.owner !== owner) return false;
    this.write({ ...held, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(device: string, owner: string | undefined, force = false): Promise<boolean> {
    const held = this.read(device);
    if (!held || (!force && held.owner !== owner)) return false;
    rmSync(this.file(device), { force: true });
    return true;
  }

  async list(): Promise<Lease[]> {
    return readdirSync(this.where)
      .filter((f) => f.endsWith('.lease'))
      .map((f) => this.read(decodeURIComponent(f.slice(0, -'.lease'.length))))
      .filter((l): l is LockFile => this.inForce(l))
      .map(strip);
  }

  async close(): Promise<void> {}
}

function strip(l: LockFile): Lease {
  return { device: l.device, owner: l.owner, since: l.since, expiresAt: l.expiresAt };
}
