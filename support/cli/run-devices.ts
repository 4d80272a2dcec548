// A lab of several devices: `c8y-hil run` tests each selected device in its own child run (one
// cucumber per device, side by side, each leasing its device when the lab leases), then writes
// one page over them: a device × feature matrix with each device's tags and firmware, linking
// each device's own report.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Place } from '../lab-file.ts';
import { UsageError } from './usage-error.ts';

/** `--devices model=acme7,firmware=3.1.4`: the places whose name, id, driver or tags match every pair */
export function selectPlaces(places: readonly Place[], filter: string | undefined): Place[] {
  if (!filter) return [...places];
  const pairs = filter.split(',').map((p) => {
    const m = /^([\w.-]+)=(.*)$/.exec(p.trim());
    if (!m) throw new UsageError(`--devices takes key=value pairs separated by commas (model=acme7), not '${p}'`);
    return [m[1]!, m[2]!] as const;
  });
  const fields = (p: Place): Record<string, string> => ({ ...p.tags, name: p.name, id: p.id, driver: p.driver });
  const chosen = places.filter((p) => pairs.every(([k, v]) => fields(p)[k] === v));
  if (chosen.length === 0)
    throw new UsageError(
      `--devices ${filter} matches none of the lab's devices (${places.map((p) => p.name).join(', ')})`,
    );
  return chosen;
}

/** 1 when a device failed, else 3 when a run broke, else 2 for a usage error, else 0 */
export function worstExit(codes: readonly number[]): number {
  for (const c of [1, 3, 2]) if (codes.includes(c)) return c;
  return codes.find((c) => c !== 0) ?? 0;
}

/**
 * one child `c8y-hil run` per device, its output prefixed with the device's name; their exit codes.
 * Each child has its own process group: a signal here goes to each of them once (the first ends
 * their current scenarios with their clean-up, a second stops them at once).
 */
export async function runEachDevice(
  places: readonly Place[],
  argv: readonly string[],
  reports: string,
  bin: string,
  runId: string,
): Promise<number[]> {
  const children: ReturnType<typeof spawn>[] = [];
  const forward = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const codes = Promise.all(
    places.map((p) => {
      const env = {
        ...process.env,
        C8Y_HIL_LAB_DEVICE: p.name,
        C8Y_HIL_REPORTS: join(reports, p.name),
        C8Y_HIL_RUN_ID: `${runId}-${p.name}`,
      };
      const child = spawn(process.execPath, [bin, 'run', ...argv], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      children.push(child);
      const prefix = (out: NodeJS.WriteStream) => {
        let rest = '';
        return (d: Buffer) => {
          const lines = (rest + d.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) out.write(`[${p.name}] ${l}\n`);
        };
      };
      child.stdout.on('data', prefix(process.stdout));
      child.stderr.on('data', prefix(process.stderr));
      return new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 3)));
    }),
  );
  try {
    return await codes;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

interface DeviceOutcome {
  meta?: Record<string, string | undefined>;
  scenarios: { feature: string; uri: string; status: string; flaky?: boolean }[];
}

const RANK: Record<string, number> = { skipped: 0, passed: 1, flaky: 2, broken: 3, failed: 4 };
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** the device × feature matrix over the devices' runs (reports/<run>/devices.html); its path */
export function writeDeviceMatrix(reports: string, places: readonly Place[], codes: readonly number[]): string {
  const outcomes = places.map((p) => {
    const file = join(reports, p.name, 'outcome.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DeviceOutcome) : undefined;
  });
  const features = [
    ...new Set(outcomes.flatMap((o) => o?.scenarios.map((s) => `${s.feature} (${s.uri})`) ?? [])),
  ].sort();
  const cell = (o: DeviceOutcome | undefined, f: string) => {
    let worst: string | undefined;
    for (const s of o?.scenarios ?? []) {
      if (`${s.feature} (${s.uri})` !== f) continue;
      const v = s.flaky ? 'flaky' : s.status;
      if (worst === undefined || RANK[v]! > RANK[worst]!) worst = v;
    }
    return worst ?? 'none';
  };
  const heads = places
    .map((p, i) => {
      const meta = outcomes[i]?.meta ?? {};
      const about = [
        ...Object.entries(p.tags).map(([k, v]) => `${k}: ${v}`),
        `driver: ${p.driver}`,
        meta['device.firmware'] ? `firmware reported: ${meta['device.firmware']}` : '',
        `exit ${codes[i]}`,
      ].filter(Boolean);
      const link = relative(reports, join(reports, p.name, 'report.html'));
      const small = [p.id, ...about].map(esc).join('<br>');
      return `<th><a href="${esc(link)}">${esc(p.name)}</a><br><small>${small}</small></th>`;
    })
    .join('');
  const rows = features
    .map(
      (f) =>
        `<tr><th>${esc(f)}</th>${outcomes.map((o) => `<td class="${cell(o, f)}">${cell(o, f)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c8y-hil: devices</title><style>
body { font: 13px system-ui, sans-serif; margin: 16px; } table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
td.passed { background: #e6f6e6; } td.failed { background: #fde2e2; } td.broken { background: #ffe0b3; }
td.flaky { background: #fff3cd; } td.skipped, td.none { background: #eee; }
</style></head><body><h1>c8y-hil: ${places.length} devices</h1>
<table id="devices"><thead><tr><th>feature</th>${heads}</tr></thead><tbody>
${rows}</tbody></table></body></html>\n`;
  mkdirSync(reports, { recursive: true });
  const file = join(reports, 'devices.html');
  writeFileSync(file, html);
  writeFileSync(
    join(reports, 'devices.json'),
    JSON.stringify(
      places.map((p, i) => ({ ...p, exitCode: codes[i], reports: join(reports, p.name) })),
      null,
      1,
    ),
  );
  return file;
}
