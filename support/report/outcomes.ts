// A run's outcome, read from cucumber's message stream (the one output contract): each scenario
// with its attempts, and a verdict class for the run. A failure that names a rule of the rulebook
// is the device's ("failed"); any other failure says nothing about the device: the harness, the
// lab, a driver or a console broke ("broken", exit 3). JUnit, the summary, the annotations and the
// verdict line are all functions of this.
import { readFileSync } from 'node:fs';

export type Status = 'passed' | 'failed' | 'broken' | 'skipped';

export interface Attempt {
  status: Status;
  /** the first failing step's (or hook's) message */
  message: string;
  /** the rules the failure names ([rule, severity] tags) */
  rules: string[];
  start: number;
  end: number;
  /** what the scenario's hooks attached: its record's path, the decoded traffic, the timeline */
  record?: string;
  traffic?: string;
  timeline?: string;
  skipReason?: string;
  /** what the scenario measured against its limits */
  measurements?: MeasurementSummary[];
}

export interface MeasurementSummary {
  name: string;
  unit: string;
  values: number[];
  limit?: { max?: number; min?: number; percentile: number };
  at?: number | null;
  ok: boolean;
}

export interface ScenarioOutcome {
  pickleId: string;
  uri: string;
  line: number;
  feature: string;
  /** unique within its feature: the examples of an outline are told apart */
  name: string;
  tags: string[];
  attempts: Attempt[];
  status: Status;
  /** passed on a retry after the same scenario failed or broke */
  flaky: boolean;
}

export interface RunOutcome {
  scenarios: ScenarioOutcome[];
  counts: Record<Status | 'flaky', number>;
  started?: number;
  finished?: number;
  /** 0 passed (skips allowed), 1 the device failed, 3 the run broke and the device failed nothing */
  exitCode: 0 | 1 | 3;
  /** the run was stopped before its end (no testRunFinished) */
  interrupted: boolean;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RULE_TAG = /\[([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+), (violation|warning|info)\]/g;
const seconds = (ts: Json | undefined) => (ts ? Number(ts.seconds) + Number(ts.nanos ?? 0) / 1e9 : 0);

/** the rules a failure message names */
export function rulesNamed(message: string): string[] {
  return [...new Set([...message.matchAll(RULE_TAG)].map((m) => m[1]!))];
}

/** a failure names a rule the device broke: a violation (or a warning, which fails only strict runs) */
function blamesDevice(message: string): boolean {
  return [...message.matchAll(RULE_TAG)].some((m) => m[2] !== 'info');
}

/**
 * The status of a step result: a failure that names no rule the device broke is the harness's or
 * the lab's (an info rule is the emulated platform's self-check), not the device's.
 */
function classify(result: Json): Status | 'passed' {
  switch (result.status) {
    case 'PASSED':
      return 'passed';
    case 'SKIPPED':
    case 'PENDING':
      return 'skipped';
    case 'FAILED': {
      const text = `${result.message ?? ''}\n${result.exception?.message ?? ''}`;
      return blamesDevice(text) ? 'failed' : 'broken';
    }
    default:
      // UNDEFINED, AMBIGUOUS, UNKNOWN: the suite itself is wrong
      return 'broken';
  }
}

const RANK: Record<Status, number> = { passed: 0, skipped: 1, broken: 2, failed: 3 };

export function readMessages(file: string): Json[] {
  const out: Json[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Json);
    } catch {
      /* a line cut off by an interrupt: everything before it still counts */
    }
  }
  return out;
}

/** where a pickle stands in its feature file, and a name that tells the examples of an outline apart */
function locate(doc: Json | undefined, pickle: Json): { line: number; example?: string } {
  const [scenarioId, rowId] = pickle.astNodeIds as string[];
  for (const child of doc?.feature?.children ?? []) {
    const scenarios = [child.scenario, ...(child.rule?.children ?? []).map((c: Json) => c.scenario)].filter(Boolean);
    for (const sc of scenarios) {
      if (sc.id !== scenarioId) continue;
      if (!rowId) return { line: sc.location.line };
      for (const ex of sc.examples ?? []) {
        const i = (ex.tableBody ?? []).findIndex((r: Json) => r.id === rowId);
        if (i < 0) continue;
        const row = ex.tableBody[i];
        const cells = row.cells.map((c: Json) => c.value).join(', ');
        return { line: row.location.line, example: `${ex.name ? `${ex.name} ` : ''}#${i + 1}: ${cells}` };
      }
      return { line: sc.location.line };
    }
  }
  return { line: 0 };
}

export function runOutcome(envelopes: readonly Json[]): RunOutcome {
  const docs = new Map<string, Json>();
  const pickles = new Map<string, Json>();
  const testCases = new Map<string, string>();
  const attempts = new Map<string, Attempt>();
  const byPickle = new Map<string, Attempt[]>();
  let started: number | undefined;
  let finished: number | undefined;
  for (const env of envelopes) {
    if (env.gherkinDocument) docs.set(env.gherkinDocument.uri, env.gherkinDocument);
    else if (env.pickle) pickles.set(env.pickle.id, env.pickle);
    else if (env.testCase) testCases.set(env.testCase.id, env.testCase.pickleId);
    else if (env.testRunStarted) started = seconds(env.testRunStarted.timestamp);
    else if (env.testRunFinished) finished = seconds(env.testRunFinished.timestamp);
    else if (env.testCaseStarted) {
      const a: Attempt = {
        status: 'passed',
        message: '',
        rules: [],
        start: seconds(env.testCaseStarted.timestamp),
        end: 0,
      };
      attempts.set(env.testCaseStarted.id, a);
      const pickleId = testCases.get(env.testCaseStarted.testCaseId)!;
      byPickle.set(pickleId, [...(byPickle.get(pickleId) ?? []), a]);
    } else if (env.testStepFinished) {
      const a = attempts.get(env.testStepFinished.testCaseStartedId);
      const r = env.testStepFinished.testStepResult;
      const s = classify(r);
      if (a && RANK[s] > RANK[a.status]) {
        a.status = s;
        a.message = r.message ?? r.exception?.message ?? '';
        a.rules = rulesNamed(a.message);
      }
    } else if (env.attachment?.testCaseStartedId) {
      attach(attempts.get(env.attachment.testCaseStartedId), env.attachment);
    } else if (env.testCaseFinished) {
      const a = attempts.get(env.testCaseFinished.testCaseStartedId);
      if (a) a.end = seconds(env.testCaseFinished.timestamp);
    }
  }
  const scenarios = [...byPickle].map(([pickleId, tries]) => scenario(pickles.get(pickleId)!, docs, tries));
  uniqueNames(scenarios);
  const counts = { passed: 0, failed: 0, broken: 0, skipped: 0, flaky: 0 };
  for (const s of scenarios) {
    counts[s.status]++;
    if (s.flaky) counts.flaky++;
  }
  const exitCode = counts.failed > 0 ? 1 : counts.broken > 0 ? 3 : 0;
  return { scenarios, counts, started, finished, exitCode, interrupted: finished === undefined };
}

function attach(a: Attempt | undefined, att: Json): void {
  if (!a) return;
  const body = String(att.body ?? '');
  if (att.mediaType === 'text/plain' && body.startsWith('record: ')) a.record = body.slice('record: '.length);
  else if (att.mediaType === 'text/plain' && body.startsWith('skipped: '))
    a.skipReason = body.slice('skipped: '.length);
  else if (att.mediaType === 'text/plain' && body.startsWith('timeline: '))
    a.timeline = body.slice('timeline: '.length);
  else if (att.fileName === 'traffic.txt') a.traffic = body;
  else if (att.mediaType === 'text/plain' && body.startsWith('measurement: ')) {
    try {
      a.measurements = [
        ...(a.measurements ?? []),
        JSON.parse(body.slice('measurement: '.length)) as MeasurementSummary,
      ];
    } catch {
      /* not one of ours */
    }
  }
}

function scenario(pickle: Json, docs: Map<string, Json>, tries: Attempt[]): ScenarioOutcome {
  const doc = docs.get(pickle.uri);
  const where = locate(doc, pickle);
  const last = tries.at(-1)!;
  return {
    pickleId: pickle.id,
    uri: pickle.uri,
    line: where.line,
    feature: doc?.feature?.name ?? pickle.uri,
    name: where.example ? `${pickle.name} (${where.example})` : pickle.name,
    tags: (pickle.tags ?? []).map((t: Json) => t.name),
    attempts: tries,
    status: last.status,
    flaky: last.status === 'passed' && tries.some((t) => t.status === 'failed' || t.status === 'broken'),
  };
}

/** two scenarios of a feature with one name (an outline's name without placeholders) get their line */
function uniqueNames(scenarios: ScenarioOutcome[]): void {
  const seen = new Map<string, number>();
  for (const s of scenarios) seen.set(`${s.uri}\0${s.name}`, (seen.get(`${s.uri}\0${s.name}`) ?? 0) + 1);
  for (const s of scenarios) if ((seen.get(`${s.uri}\0${s.name}`) ?? 0) > 1) s.name = `${s.name} (line ${s.line})`;
}

export function readRunOutcome(messagesFile: string): RunOutcome {
  return runOutcome(readMessages(messagesFile));
}
