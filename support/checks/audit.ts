// The audit: every passive rule of the rulebook over one device's part of a record, whatever the
// scenario was about. A violation fails the device; a warning is shown; info never counts.
import { parseClientId } from '../broker/clientid.ts';
import type { RecordEvent } from '../record/events.ts';
import { RULES, finding, type Severity } from '../rules.ts';
import { PASSIVE as CONNECT } from './connect.ts';
import type { PassiveRule } from './from-decisions.ts';
import { PASSIVE as HIERARCHY } from './hierarchy.ts';
import { PASSIVE as OPERATIONS } from './operations.ts';
import { PASSIVE as PLATFORM } from './platform-data.ts';
import { PASSIVE as QOS } from './qos.ts';
import { PASSIVE as SESSIONS } from './sessions.ts';
import { PASSIVE as SMARTREST } from './smartrest.ts';
import { PASSIVE as TOPICS } from './topics.ts';
import type { Ctx, Evidence } from './verdict.ts';

export const PASSIVE_RULES: readonly PassiveRule[] = [
  ...CONNECT,
  ...SESSIONS,
  ...QOS,
  ...TOPICS,
  ...SMARTREST,
  ...OPERATIONS,
  ...HIERARCHY,
  ...PLATFORM,
];

export type Outcome = 'pass' | 'n/a' | 'expected' | Severity;

export interface AuditRow {
  rule: string;
  outcome: Outcome;
  message?: string;
  evidence: Evidence[];
}

export interface Audit {
  deviceId: string;
  rows: AuditRow[];
  violations: AuditRow[];
  warnings: AuditRow[];
}

/**
 * Judge the device by every passive rule. `expected` names rules the scenario breaks on purpose
 * (a wrong password, a malformed line): they are listed as expected and never fail it.
 */
export function audit(c: Ctx, expected: ReadonlySet<string> = new Set()): Audit {
  const rows = PASSIVE_RULES.map((r): AuditRow => {
    const v = r.judge(c);
    if (v.ok) return { rule: r.id, outcome: v.applicable ? 'pass' : 'n/a', evidence: v.evidence };
    return {
      rule: r.id,
      outcome: expected.has(r.id) ? 'expected' : finding(r.id, c.strict).severity,
      message: v.message,
      evidence: v.evidence,
    };
  });
  return {
    deviceId: c.deviceId,
    rows,
    violations: rows.filter((r) => r.outcome === 'violation'),
    warnings: rows.filter((r) => r.outcome === 'warning'),
  };
}

/** the device identifiers whose connections a record holds (from their CONNECTs' ClientIds) */
export function devicesIn(events: readonly RecordEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.kind !== 'packet' || e.type !== 'connect' || e.dir !== 'in') continue;
    const id = String((e.packet as { clientId?: string }).clientId ?? '');
    const p = parseClientId(id);
    ids.add(p.ok ? p.value.deviceId : id.split(':')[1] || id);
  }
  return [...ids].filter((x) => x !== '');
}

const MARK: Record<Outcome, string> = {
  pass: 'ok',
  'n/a': '–',
  expected: 'expected',
  violation: 'VIOLATION',
  warning: 'warning',
  info: 'info',
};

/** the audit as a table for people: every rule with its outcome, and the evidence of each finding */
export function formatAudit(a: Audit, opts: { all?: boolean } = {}): string {
  const rows = opts.all ? a.rows : a.rows.filter((r) => r.outcome !== 'pass' && r.outcome !== 'n/a');
  const width = Math.max(...a.rows.map((r) => r.rule.length), 4);
  const head =
    `Audit of device '${a.deviceId}': ${a.violations.length} violation(s), ${a.warnings.length} warning(s), ` +
    `${a.rows.filter((r) => r.outcome === 'pass').length} rule(s) kept, ${a.rows.filter((r) => r.outcome === 'n/a').length} not applicable`;
  const lines = rows.map((r) => {
    const ev = r.evidence
      .slice(0, 3)
      .map((e) => `      ${e.text}`)
      .join('\n');
    return `  ${r.rule.padEnd(width)}  ${MARK[r.outcome].padEnd(9)} ${RULES.get(r.rule)?.says ?? ''}${ev && r.outcome !== 'pass' ? `\n${ev}` : ''}`;
  });
  return [head, ...lines].join('\n');
}
