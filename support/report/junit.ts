// JUnit XML of a run, as cucumber's own JUnit formatter writes it (a suite with its time and
// timestamp, a test case per scenario with a unique name, the failure's message and text,
// system-out), plus what a lab needs: each case's record, attempts, the rules it broke and its
// timeline; a broken scenario (the harness, not the device) is an <error>, not a <failure>.
import type { MeasurementSummary, RunOutcome, ScenarioOutcome } from './outcomes.ts';

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
/** control characters XML 1.0 cannot hold are dropped; ]]> cannot stand inside CDATA */
const cdata = (s: string) =>
  // eslint-disable-next-line no-control-regex
  `<![CDATA[${s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

export type RunMetadata = Record<string, string | undefined>;

function property(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `<property name="${esc(name)}" value="${esc(value)}"/>`;
}

/** "p90 812 ms (limit 2000 ms) ok; 10 values" */
export function measurementText(m: MeasurementSummary): string {
  const at = m.at === null || m.at === undefined ? 'not all measured' : `${m.at} ${m.unit}`;
  const bound = m.limit?.min === undefined ? `${m.limit?.max}` : `≥ ${m.limit.min}`;
  const limit = m.limit
    ? `p${m.limit.percentile} ${at} (limit ${bound} ${m.unit})`
    : `${m.values.join(', ')} ${m.unit}`;
  const outside = m.limit?.min === undefined ? 'over the limit' : 'under the limit';
  return `${limit} ${m.ok ? 'ok' : outside}; ${m.values.length} values`;
}

function testCase(s: ScenarioOutcome): string {
  const last = s.attempts.at(-1)!;
  const props = [
    property('record', last.record),
    property('attempts', String(s.attempts.length)),
    property('flaky', s.flaky ? 'true' : undefined),
    property('rules', last.rules.join(' ')),
    property('timeline', last.timeline),
    property('feature', `${s.uri}:${s.line}`),
    ...(last.measurements ?? []).map((m) => property(`measurement.${m.name}`, measurementText(m))),
  ].join('');
  const firstLine = last.message.split('\n').find((l) => l.trim()) ?? '';
  let body = `<properties>${props}</properties>`;
  const type = esc(last.rules[0] ?? 'failed');
  if (last.status === 'failed')
    body += `<failure type="${type}" message="${esc(firstLine)}">${cdata(last.message)}</failure>`;
  else if (last.status === 'broken')
    body += `<error type="broken" message="${esc(firstLine)}">${cdata(last.message)}</error>`;
  else if (last.status === 'skipped')
    body += last.skipReason ? `<skipped message="${esc(last.skipReason)}"/>` : '<skipped/>';
  if (last.traffic) body += `<system-out>${cdata(last.traffic)}</system-out>`;
  const time = Math.max(0, last.end - last.start).toFixed(3);
  return `    <testcase classname="${esc(s.feature)}" name="${esc(s.name)}" time="${time}">${body}</testcase>`;
}

export function junitXml(run: RunOutcome, meta: RunMetadata = {}): string {
  const c = run.counts;
  const time = run.started !== undefined ? Math.max(0, (run.finished ?? run.started) - run.started).toFixed(3) : '0';
  const stamp = run.started !== undefined ? new Date(run.started * 1000).toISOString() : '';
  const props = Object.entries(meta)
    .map(([k, v]) => property(k, v))
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' +
    `  <testsuite name="c8y-hil" time="${time}" tests="${run.scenarios.length}" failures="${c.failed}" ` +
    `errors="${c.broken}" skipped="${c.skipped}" timestamp="${stamp}">\n` +
    `    <properties>${props}</properties>\n` +
    run.scenarios.map(testCase).join('\n') +
    '\n  </testsuite>\n</testsuites>\n'
  );
}
