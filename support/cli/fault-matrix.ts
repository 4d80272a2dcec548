// Proof that the suite catches bugs: run it against the emulator once without faults and once
// per fault switch, and tell which features failed. A fault whose matching feature passes went
// unnoticed; a feature that fails without faults fails a correct device.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULTS, type Fault } from '../emulator/faults.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** the feature each fault must make fail */
export const FAULT_FEATURES: Record<Fault, string> = {
  'malformed-clientid': 'features/connect/clientid.feature',
  'no-quoting': 'features/smartrest/escaping.feature',
  'doubled-quotes': 'features/smartrest/escaping.feature',
  'qos0': 'features/qos/qos.feature',
  'qos2-twice': 'features/qos/qos.feature',
  'clean-session-1': 'features/sessions/clean-session.feature',
  'child-on-root': 'features/hierarchy/children.feature',
  'ignore-child-ops': 'features/hierarchy/children.feature',
  'early-subscribe': 'features/connect/registration.feature',
  'wrong-fragment': 'features/operations/lifecycle.feature',
  'last-will': 'features/smartrest/policy.feature',
};

/** what a fault's run needs beyond the fault: a warning (the last will) counts only in a strict run */
export const FAULT_ENV: Partial<Record<Fault, Record<string, string>>> = {
  'last-will': { C8Y_HIL_STRICT: '1' },
};

export interface MatrixRow { fault: Fault | null; failed: Set<string>; exitCode: number | null }
export interface Matrix { features: string[]; rows: MatrixRow[]; unnoticed: Fault[]; falseAlarms: string[] }

interface CucumberFeature { uri: string; elements?: { steps?: { result?: { status?: string } }[] }[] }

function runSuite(fault: Fault | null, dir: string, extraArgs: string[]): Promise<{ failed: Set<string>; features: string[]; exitCode: number | null }> {
  const out = join(dir, fault ?? 'none');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), '--format', 'summary:/dev/null', ...extraArgs], {
      cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, C8Y_HIL_FAULTS: fault ?? '', C8Y_HIL_REPORTS: out, C8Y_HIL_RECORDS: join(out, 'records'), ...(fault ? FAULT_ENV[fault] : {}) },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      let report: CucumberFeature[];
      try { report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CucumberFeature[]; } catch (err) {
        return reject(new Error(`the suite with fault ${fault ?? 'none'} wrote no report (exit ${code}): ${stderr.slice(-1500) || (err as Error).message}`));
      }
      const failed = new Set<string>();
      for (const f of report) {
        const bad = (f.elements ?? []).some((sc) => (sc.steps ?? []).some((s) => ['failed', 'undefined', 'ambiguous'].includes(s.result?.status ?? '')));
        if (bad) failed.add(f.uri);
      }
      resolve({ failed, features: report.map((f) => f.uri), exitCode: code });
    });
  });
}

export async function runFaultMatrix(opts: { faults?: Fault[]; args?: string[] } = {}): Promise<Matrix> {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-matrix-'));
  const faults = opts.faults ?? (Object.keys(FAULTS) as Fault[]);
  const rows: MatrixRow[] = [];
  let features: string[] = [];
  for (const fault of [null, ...faults]) {
    const r = await runSuite(fault, dir, opts.args ?? []);
    features = [...new Set([...features, ...r.features])].sort();
    rows.push({ fault, failed: r.failed, exitCode: r.exitCode });
  }
  const unnoticed = faults.filter((f) => !rows.find((r) => r.fault === f)!.failed.has(FAULT_FEATURES[f]));
  const falseAlarms = [...rows[0]!.failed];
  return { features, rows, unnoticed, falseAlarms };
}

/** the matrix as text: a row per fault, a column per feature; X failed, . passed, [X] the feature the fault must fail */
export function formatMatrix(m: Matrix): string {
  const cols = m.features.map((f) => relative('features', f).replace(/\.feature$/, ''));
  const width = Math.max(...cols.map((c) => c.length), 9);
  const faultWidth = Math.max(...Object.keys(FAULTS).map((f) => f.length), 10);
  const lines = [`${'fault'.padEnd(faultWidth)} | ${cols.map((c) => c.padEnd(width)).join(' | ')}`];
  for (const r of m.rows) {
    const cells = m.features.map((f) => {
      const failed = r.failed.has(f);
      const expected = r.fault !== null && FAULT_FEATURES[r.fault] === f;
      const mark = failed ? 'X' : '.';
      return (expected ? `[${mark}]` : ` ${mark} `).padEnd(width);
    });
    lines.push(`${(r.fault ?? '(no fault)').padEnd(faultWidth)} | ${cells.join(' | ')}`);
  }
  lines.push('');
  lines.push(m.unnoticed.length === 0 ? 'every fault made its feature fail' : `UNNOTICED faults: ${m.unnoticed.join(', ')}`);
  lines.push(m.falseAlarms.length === 0 ? 'the fault-free emulator passed every feature' : `FALSE ALARMS without any fault: ${m.falseAlarms.join(', ')}`);
  return lines.join('\n');
}
