// Proof that the rules catch bugs: the suite against the emulator once without faults and once
// per fault switch, each run only over the features its rules need, three runs at a time. A
// fault is caught when every rule its row names reported a violation (a step failing for another
// reason does not count); the fault-free emulator must pass; every violation rule needs a fault.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULTS, type Fault } from '../emulator/faults.ts';
import { RULES } from '../rules.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MatrixRow {
  fault: Fault | null;
  features: readonly string[];
  violated: Set<string>;
  failed: Set<string>;
  exitCode: number | null;
}
export interface Matrix {
  rows: MatrixRow[];
  /** faults some of whose rules reported no violation */
  unnoticed: { fault: Fault; missing: string[] }[];
  /** features that failed without any fault */
  falseAlarms: string[];
  /** violation rules that no fault triggers */
  uncovered: string[];
}

interface CucumberResult {
  status?: string;
  error_message?: string;
  message?: string;
}
interface CucumberFeature {
  uri: string;
  elements?: {
    steps?: { result?: CucumberResult }[];
    before?: { result?: CucumberResult }[];
    after?: { result?: CucumberResult }[];
  }[];
}

/** the rules a run's failures name: every check's message starts "[rule, violation]" */
export function violatedRules(report: readonly CucumberFeature[]): { violated: Set<string>; failed: Set<string> } {
  const violated = new Set<string>();
  const failed = new Set<string>();
  for (const f of report) {
    for (const sc of f.elements ?? []) {
      for (const s of [...(sc.before ?? []), ...(sc.steps ?? []), ...(sc.after ?? [])]) {
        if (!['failed', 'undefined', 'ambiguous'].includes(s.result?.status ?? '')) continue;
        failed.add(f.uri);
        for (const m of (s.result?.error_message ?? s.result?.message ?? '').matchAll(
          /\[([a-z]+\.[a-z0-9-]+), violation\]/g,
        ))
          violated.add(m[1]!);
      }
    }
  }
  return { violated, failed };
}

function runSuite(
  fault: Fault | null,
  features: readonly string[],
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<MatrixRow> {
  const out = join(dir, fault ?? 'none');
  return new Promise((resolve, reject) => {
    // the features go by C8Y_HIL_FEATURES: cucumber adds paths on its command line to the profile's
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'),
        '--format',
        'summary:/dev/null',
        ...args,
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          C8Y_HIL_FAULTS: fault ?? '',
          C8Y_HIL_FEATURES: features.join(','),
          C8Y_HIL_REPORTS: out,
          C8Y_HIL_RECORDS: join(out, 'records'),
          ...(fault ? (FAULTS[fault].env ?? {}) : {}),
          ...env,
        },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      let report: CucumberFeature[];
      try {
        report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CucumberFeature[];
      } catch (err) {
        return reject(
          new Error(
            `the suite with fault ${fault ?? 'none'} wrote no report (exit ${code}): ${stderr.slice(-1500) || (err as Error).message}`,
          ),
        );
      }
      resolve({ fault, features, ...violatedRules(report), exitCode: code });
    });
  });
}

/** run the jobs, at most `concurrency` at a time, keeping their order */
async function pooled<T>(jobs: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

export async function runFaultMatrix(
  /** env: e.g. C8Y_HIL_LAB, to plant the faults in another device that has the fault switches */
  opts: { faults?: Fault[]; args?: string[]; concurrency?: number; env?: Record<string, string> } = {},
): Promise<Matrix> {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-matrix-'));
  const faults = opts.faults ?? (Object.keys(FAULTS) as Fault[]);
  // one cucumber process per fault, three at once: a fault runs a few scenarios, so parallel
  // workers would only load the support code twice more (measured: 28 s against 77 s for four faults)
  const args = opts.args ?? [];
  // the fault-free run takes whole files: every scenario of each feature a fault uses
  const baseline = [...new Set(faults.flatMap((f) => FAULTS[f].features.map((x) => x.replace(/(:\d+)+$/, ''))))].sort();
  const rows = await pooled(
    [
      () => runSuite(null, baseline, dir, args, opts.env),
      ...faults.map((f) => () => runSuite(f, FAULTS[f].features, dir, args, opts.env)),
    ],
    opts.concurrency ?? 3,
  );
  const unnoticed = rows
    .slice(1)
    .map((r) => ({ fault: r.fault!, missing: FAULTS[r.fault!].rules.filter((rule) => !r.violated.has(rule)) }))
    .filter((u) => u.missing.length > 0);
  const covered = new Set(Object.values(FAULTS).flatMap((f) => f.rules as readonly string[]));
  const uncovered = [...RULES.values()]
    .filter((r) => r.severity === 'violation' && !covered.has(r.id))
    .map((r) => r.id);
  return { rows, unnoticed, falseAlarms: [...rows[0]!.failed], uncovered };
}

/** the matrix as text: a row per fault with each of its rules caught (✓) or not (✗), and what else broke */
export function formatMatrix(m: Matrix): string {
  const width = Math.max(...Object.keys(FAULTS).map((f) => f.length), 10);
  const lines = [`${'fault'.padEnd(width)} | rules it must break (✓ caught, ✗ not) | other rules that broke`];
  for (const r of m.rows) {
    if (r.fault === null) {
      lines.push(
        `${'(no fault)'.padEnd(width)} | ${r.failed.size === 0 ? 'every feature passed' : `FAILED: ${[...r.failed].join(', ')}`}`,
      );
      continue;
    }
    const must = FAULTS[r.fault].rules as readonly string[];
    const others = [...r.violated].filter((v) => !must.includes(v)).sort();
    lines.push(
      `${r.fault.padEnd(width)} | ${must.map((rule) => `${r.violated.has(rule) ? '✓' : '✗'} ${rule}`).join(', ')} | ${others.join(', ') || '-'}`,
    );
  }
  lines.push('');
  lines.push(
    m.unnoticed.length === 0
      ? 'every fault was caught by all of its rules'
      : `UNNOTICED: ${m.unnoticed.map((u) => `${u.fault} (${u.missing.join(', ')})`).join('; ')}`,
  );
  lines.push(
    m.falseAlarms.length === 0
      ? 'the fault-free emulator passed every feature'
      : `FALSE ALARMS without any fault: ${m.falseAlarms.join(', ')}`,
  );
  lines.push(
    m.uncovered.length === 0
      ? 'every violation rule has a fault that triggers it'
      : `RULES WITHOUT A FAULT: ${m.uncovered.join(', ')}`,
  );
  return lines.join('\n');
}
