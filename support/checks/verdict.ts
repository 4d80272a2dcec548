// What a check returns: a verdict under one rule, with the events that show it. A failing verdict
// says what the rule requires, what the device did, and quotes the evidence decoded for people;
// a final one cannot change any more, so a wait stops at once.
import type { RecordEvent } from '../record/events.ts';
import { RULES, finding, type Severity } from '../rules.ts';
import { describeEvent } from './excerpt.ts';

export interface Evidence {
  seq: number;
  t: number;
  text: string;
}

export type Verdict =
  | { ok: true; rule: string; evidence: Evidence[]; applicable: boolean }
  | { ok: false; rule: string; severity: Severity; message: string; evidence: Evidence[]; final: boolean };

/** what a check reads: the record so far, the device under test, and what the scenario set up */
export interface Ctx {
  events: readonly RecordEvent[];
  deviceId: string;
  recordPath?: string;
  /** the run counts warnings as violations (SPEC 8) */
  strict?: boolean;
  /** what the device was configured with, when the scenario knows it */
  expect?: { qos?: 0 | 1 | 2; clean?: boolean };
  /** what the device's profile promises where the seed leaves the answer open; none: any answer the seed allows */
  promised?: Promised;
}

/** the profile's promises a check may hold the device to (devices/profile.ts Expectations) */
export interface Promised {
  commandResult?: string;
  configurationReported?: boolean;
  temperature?: { fragment: string; series: string };
  unsupported?: 'fail' | 'ignore' | 'any';
}

export const evidence = (events: readonly RecordEvent[]): Evidence[] =>
  events.slice(-20).map((e) => ({ seq: e.seq, t: e.t, text: describeEvent(e) }));

export const pass = (rule: string, events: readonly RecordEvent[] = []): Verdict => ({
  ok: true,
  rule,
  evidence: evidence(events),
  applicable: true,
});

/** the rule has nothing to judge in this record (no PUBLISH to check, no configuration known) */
export const notApplicable = (rule: string): Verdict => ({ ok: true, rule, evidence: [], applicable: false });

/**
 * A broken rule: `did` says what the device did (or what the record shows), `events` are the evidence.
 * `final`: nothing later in the record can make the check pass.
 */
export function broken(
  rule: string,
  c: Pick<Ctx, 'strict' | 'recordPath'>,
  did: string,
  events: readonly RecordEvent[],
  opts: { final?: boolean; expected?: string } = {},
): Verdict {
  const r = RULES.get(rule);
  if (!r) throw new Error(`no rule '${rule}' in the rulebook (support/rules.ts)`);
  const severity = finding(rule, c.strict).severity;
  const ev = evidence(events);
  const shown = ev.length > 0 ? ev.map((e) => `  ${e.text}`).join('\n') : '  (nothing relevant in the record)';
  const message =
    `[${rule}, ${severity}] ${opts.expected ?? r.says}\n${did}\nThe record shows:\n${shown}\n` +
    `Full record: ${c.recordPath ?? '(in memory only)'}`;
  return { ok: false, rule, severity, message, evidence: ev, final: opts.final ?? false };
}

export class CheckFailure extends Error {
  constructor(readonly verdict: Extract<Verdict, { ok: false }>) {
    super(verdict.message);
  }
}

/**
 * Throw when a step's check failed. A warning fails it only in a strict run (it is then a
 * violation); an info rule is the lab's own promise, which the step expected, so it fails too.
 */
export function assertVerdict(v: Verdict): void {
  if (!v.ok && v.severity !== 'warning') throw new CheckFailure(v);
}
