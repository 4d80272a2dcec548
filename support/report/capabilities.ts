// The capability table the run ends with: what the device's profile offers, and how many
// scenarios were skipped for each thing it lacks (from reports/<run>/skipped.ndjson).
import { existsSync, readFileSync } from 'node:fs';
import { TRANSPORTS } from '../broker/options.ts';
import type { Profile } from '../devices/profile.ts';

/** the optional actions the features use */
const ACTIONS = ['publish', 'linkDown', 'linkUp', 'addChild', 'measure', 'sensor', 'event'];

export function capabilityTable(deviceId: string, profile: Profile, skippedFile: string): string {
  const skipped = existsSync(skippedFile)
    ? readFileSync(skippedFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { need: string })
    : [];
  const count = new Map<string, number>();
  for (const s of skipped) count.set(s.need, (count.get(s.need) ?? 0) + 1);
  const mark = (has: boolean) => (has ? 'yes' : 'no ');
  const c = profile.capabilities;
  const rows: [string, string][] = [
    ...TRANSPORTS.map((t): [string, string] => [`the ${t} transport`, mark(c.transports.includes(t))]),
    ['certificate login', mark(c.certificates)],
    ...ACTIONS.map((a): [string, string] => [
      a === 'addChild' ? 'children' : `the ${a} action`,
      mark(!!profile.actions[a]),
    ]),
    ['operations', c.operations ? c.operations.join(', ') : 'every one (not declared)'],
    ['c8y_Command result', profile.expect.commandResult ?? 'not declared (any result accepted)'],
    ['unsupported operations', profile.expect.unsupported],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([what, has]) => {
    const n = count.get(what);
    return `  ${what.padEnd(width)}  ${has}${n ? `   (${n} scenario${n === 1 ? '' : 's'} skipped)` : ''}`;
  });
  const other = [...count.entries()].filter(([k]) => !rows.some((r) => r[0] === k));
  for (const [k, n] of other) lines.push(`  ${k.padEnd(width)}  no    (${n} scenario${n === 1 ? '' : 's'} skipped)`);
  return `capabilities of ${deviceId} (${profile.name}, ${profile.file}):\n${lines.join('\n')}`;
}
