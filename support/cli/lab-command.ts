// `c8y-hil lab status|lease|release`: the leases of a shared lab, for people and pipelines. A
// lease taken here is for a person at the bench: it lasts the time given, with no heartbeat and
// no process behind it, until it runs out or is released.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadLab, type LabConfig } from '../lab-file.ts';
import { parseDuration, ProfileError } from '../devices/profile.ts';
import { leaseStore } from '../leases/holder.ts';
import { LeaseBusy, type Lease } from '../leases/lease-store.ts';
import { optionProblem, UsageError } from './usage-error.ts';

export const LAB_HELP = `Usage: c8y-hil lab status|lease|release [options]

  status                 the leases in force; with a lab file, its device free or held
  lease DEVICE           take DEVICE for a person at the bench, for --for (default 1h); no heartbeat
  release DEVICE         give up your lease on DEVICE (--force: whoever holds it)

Options:
  --lab FILE             the lab file: its leases section names the Redis (default ./c8y-hil.lab.yaml)
  --redis URL            the Redis the leases live in (also C8Y_HIL_LEASES); without one: the lock
                         files of this host (C8Y_HIL_LEASE_DIR, default <tmp>/c8y-hil-leases)
  --owner NAME           who the lease names (default user@host)
  --for DURATION         how long a lease taken here lasts: 30m, 2h
  --force                release whoever's lease it is
  -h, --help             this help

Exit codes: 0 done; 1 nothing to release (not held, or not yours); 2 usage error; 3 the device is
held by another (named) or the store cannot be reached.
`;

const FLAGS = {
  lab: { type: 'string' },
  redis: { type: 'string' },
  owner: { type: 'string' },
  for: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function defaultOwner(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `${user}@${hostname()}`;
}

const ago = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

export function leaseLine(l: Lease, now = Date.now()): string {
  return `${l.device}  held by ${l.owner} for ${ago(now - l.since)}, expires in ${ago(l.expiresAt - now)}`;
}

export async function labCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`c8y-hil lab: ${optionProblem(err as Error)} (see c8y-hil lab --help)`);
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    process.stdout.write(LAB_HELP);
    return 0;
  }
  const [action, device, ...extra] = positionals;
  if (!action || !['status', 'lease', 'release'].includes(action))
    throw new UsageError(`c8y-hil lab needs status, lease or release, not '${action ?? ''}' (see c8y-hil lab --help)`);
  if (action !== 'status' && !device) throw new UsageError(`c8y-hil lab ${action} needs the DEVICE it is about`);
  if (extra.length > 0 || (action === 'status' && device))
    throw new UsageError(`c8y-hil lab ${action}: unexpected '${[device, ...extra].filter(Boolean).join(' ')}'`);
  let forMs = 3_600_000;
  try {
    if (o.for !== undefined) forMs = parseDuration(o.for, '--for');
  } catch (err) {
    if (err instanceof ProfileError) throw new UsageError(`c8y-hil lab: ${err.message}`);
    throw err;
  }
  const labFile = o.lab ?? (existsSync('c8y-hil.lab.yaml') ? 'c8y-hil.lab.yaml' : undefined);
  const lab: LabConfig | undefined = labFile ? loadLab(resolve(labFile), env) : undefined;
  const store = leaseStore(o.redis ?? lab?.leases?.redis ?? env.C8Y_HIL_LEASES, env, 0);
  const owner = o.owner ?? defaultOwner();
  try {
    if (action === 'status') {
      const leases = await store.list();
      process.stdout.write(`leases in ${store.where}:\n`);
      for (const l of leases) process.stdout.write(`  ${leaseLine(l)}\n`);
      if (leases.length === 0) process.stdout.write('  none\n');
      if (lab && !leases.some((l) => l.device === lab.device.id))
        process.stdout.write(`the lab's device ${lab.device.id} is free\n`);
      return 0;
    }
    if (action === 'lease') {
      const t = await store.take(device!, owner, forMs);
      if (!t.ok) throw new LeaseBusy(t.holder, 0);
      process.stdout.write(`leased: ${leaseLine(t.lease)}\n`);
      return 0;
    }
    const done = await store.release(device!, owner, o.force === true);
    process.stdout.write(done ? `released ${device}\n` : `${device} is not leased${o.force ? '' : ` by ${owner}`}\n`);
    return done ? 0 : 1;
  } finally {
    await store.close();
  }
}
