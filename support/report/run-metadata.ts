// What a run tested and with what: the device (driver, profile, identity, and the firmware and
// hardware it reported with 110/115), the lab file, the harness's version, the commit of the
// features, the host and the start time. Written as run.json; JUnit, report.json, the HTML
// report's attachments and the summary page show it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LabConfig } from '../lab-file.ts';

export type RunMetadata = Record<string, string | undefined>;

export function harnessVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** the commit the features come from (with "+changes" when the work tree differs), if they are in git */
function gitCommit(dir: string): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '.'], { cwd: dir, encoding: 'utf8' });
  return head.stdout.trim() + (dirty.stdout.trim() ? '+changes' : '');
}

export function runMetadata(lab: LabConfig, root: string, featuresDir: string, started = new Date()): RunMetadata {
  return {
    device: lab.device.name ? `${lab.device.name} (${lab.device.id})` : lab.device.id,
    'device.id': lab.device.id,
    'device.driver': lab.device.driver,
    'device.profile': lab.profile?.name ?? 'emulated reference device',
    lab: lab.file ?? '(none: the built-in emulated device)',
    harness: `c8y-hil ${harnessVersion(root)}`,
    'features.commit': gitCommit(featuresDir),
    host: hostname(),
    started: started.toISOString(),
  };
}

type Fragment = { fragment?: string; value?: Record<string, unknown>; deviceId?: string; change?: string };

/** the firmware and hardware the device reported (110, 115) in the run's records, the latest of each */
export function reportedIdentity(recordsDir: string, deviceId: string): RunMetadata {
  const out: RunMetadata = {};
  if (!existsSync(recordsDir)) return out;
  const files = readdirSync(recordsDir).filter((f) => f.endsWith('.jsonl'));
  for (const f of files) {
    for (const line of readFileSync(join(recordsDir, f), 'utf8').split('\n')) {
      if (!line.includes('"fragment-set"') || !/c8y_(Hardware|Firmware)/.test(line)) continue;
      let e: Fragment;
      try {
        e = JSON.parse(line) as Fragment;
      } catch {
        continue;
      }
      if (e.deviceId !== deviceId || !e.value) continue;
      const v = e.value;
      if (e.fragment === 'c8y_Hardware') out['device.hardware'] = [v.model, v.revision].filter(Boolean).join(' ');
      if (e.fragment === 'c8y_Firmware') out['device.firmware'] = [v.name, v.version].filter(Boolean).join(' ');
    }
  }
  return out;
}
