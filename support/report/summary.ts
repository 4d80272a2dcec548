// The page across runs (reports/index.html): per feature and per rule, what each of the last runs
// made of it (passed, failed, broken, skipped, flaky), which device each run tested (a filter),
// and a trend chart of the pass rate and the duration (Chart.js, inlined so the page works from
// file://). Each run is read from its outcome.json (older runs: report.json).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MeasurementSummary } from './outcomes.ts';

export type FeatureVerdict = 'passed' | 'failed' | 'broken' | 'skipped' | 'flaky';

export interface RunSummary {
  id: string;
  device: string;
  meta: Record<string, string | undefined>;
  /** per feature (name and uri) */
  features: Map<string, FeatureVerdict>;
  /** per rule: how many scenarios failed it */
  rules: Map<string, number>;
  counts: Record<FeatureVerdict, number>;
  seconds: number;
  /** per scenario and measurement ("scenario: time to 501 (ms)"): the value judged, and its verdict */
  measurements: Map<string, { value: number; ok: boolean }>;
}

const RUNS = 20;
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const RANK: Record<FeatureVerdict, number> = { skipped: 0, passed: 1, flaky: 2, broken: 3, failed: 4 };

/** a feature is as bad as its worst scenario; one whose scenarios were all skipped is skipped, not passed */
function worst(a: FeatureVerdict | undefined, b: FeatureVerdict): FeatureVerdict {
  return a === undefined || RANK[b] > RANK[a] ? b : a;
}

interface OutcomeFile {
  meta?: Record<string, string | undefined>;
  started?: number;
  finished?: number;
  scenarios: {
    uri: string;
    feature: string;
    status: Exclude<FeatureVerdict, 'flaky'>;
    flaky: boolean;
    name?: string;
    attempts: { rules: string[]; measurements?: MeasurementSummary[] }[];
  }[];
}

/** what a measurement is judged by: the value at its limit's percentile, else the median of its values */
export function judgedValue(m: MeasurementSummary): number | undefined {
  if (typeof m.at === 'number' && Number.isFinite(m.at)) return m.at;
  if (m.limit || m.values.length === 0) return undefined;
  const sorted = [...m.values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function fromOutcome(id: string, o: OutcomeFile): RunSummary {
  const s = empty(id, o.meta ?? {});
  for (const sc of o.scenarios) {
    const v: FeatureVerdict = sc.flaky ? 'flaky' : sc.status;
    const key = `${sc.feature} (${sc.uri})`;
    s.features.set(key, worst(s.features.get(key), v));
    s.counts[v]++;
    if (sc.status === 'failed')
      for (const r of sc.attempts.at(-1)?.rules ?? []) s.rules.set(r, (s.rules.get(r) ?? 0) + 1);
    for (const m of sc.attempts.at(-1)?.measurements ?? []) {
      const value = judgedValue(m);
      if (value !== undefined) s.measurements.set(`${sc.name ?? sc.uri}: ${m.name} (${m.unit})`, { value, ok: m.ok });
    }
  }
  s.seconds = o.started !== undefined && o.finished !== undefined ? o.finished - o.started : 0;
  return s;
}

type CucumberFeature = {
  uri: string;
  name: string;
  elements?: { name: string; steps?: { result?: { status?: string; duration?: number } }[] }[];
};

/** a run written before outcome.json: pass, fail and flaky from cucumber's JSON */
function fromReportJson(id: string, features: CucumberFeature[]): RunSummary {
  const s = empty(id, {});
  let ns = 0;
  for (const f of features) {
    const byName = new Map<string, string[]>();
    for (const sc of f.elements ?? []) {
      const steps = sc.steps ?? [];
      ns += steps.reduce((n, st) => n + (st.result?.duration ?? 0), 0);
      const failed = steps.some((st) => ['failed', 'undefined', 'ambiguous'].includes(st.result?.status ?? ''));
      const skipped = steps.length > 0 && steps.every((st) => st.result?.status === 'skipped');
      byName.set(sc.name, [...(byName.get(sc.name) ?? []), failed ? 'failed' : skipped ? 'skipped' : 'passed']);
    }
    for (const tries of byName.values()) {
      const v: FeatureVerdict =
        tries.at(-1) === 'failed' ? 'failed' : tries.includes('failed') ? 'flaky' : (tries.at(-1) as FeatureVerdict);
      const key = `${f.name} (${f.uri})`;
      s.features.set(key, worst(s.features.get(key), v));
      s.counts[v]++;
    }
  }
  s.seconds = ns / 1e9;
  return s;
}

function empty(id: string, meta: Record<string, string | undefined>): RunSummary {
  return {
    id,
    meta,
    device: meta.device ?? 'emulated',
    features: new Map(),
    rules: new Map(),
    measurements: new Map(),
    counts: { passed: 0, failed: 0, broken: 0, skipped: 0, flaky: 0 },
    seconds: 0,
  };
}

export function readRun(reportsDir: string, id: string): RunSummary | undefined {
  const dir = join(reportsDir, id);
  try {
    if (existsSync(join(dir, 'outcome.json')))
      return fromOutcome(id, JSON.parse(readFileSync(join(dir, 'outcome.json'), 'utf8')) as OutcomeFile);
    if (existsSync(join(dir, 'report.json')))
      return fromReportJson(id, JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as CucumberFeature[]);
  } catch {
    /* a run cut off mid-write: left out */
  }
  return undefined;
}

export function lastRuns(reportsDir: string, n = RUNS): RunSummary[] {
  if (!existsSync(reportsDir)) return [];
  return readdirSync(reportsDir)
    .filter((d) => d !== 'latest' && statSync(join(reportsDir, d)).isDirectory())
    .sort()
    .map((d) => readRun(reportsDir, d))
    .filter((r): r is RunSummary => r !== undefined)
    .slice(-n);
}

const MARK: Record<FeatureVerdict, string> = {
  passed: '✔',
  failed: '✖',
  broken: '⚠',
  skipped: '–',
  flaky: '≈',
};

function columnHeads(runs: RunSummary[]): string {
  // distinct labels: the run's number on this page, then its date and time to the second
  return runs
    .map(
      (r, i) =>
        `<th class="run" data-device="${esc(r.device)}" title="${esc(`${r.id} · ${r.device}`)}">#${i + 1}<br>${esc(label(r.id))}</th>`,
    )
    .join('');
}

function label(id: string): string {
  const m = /^\d{4}-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)/.exec(id);
  return m ? `${m[1]}-${m[2]} ${m[3]}:${m[4]}:${m[5]}` : id;
}

function featureRows(runs: RunSummary[]): string {
  const keys = [...new Set(runs.flatMap((r) => [...r.features.keys()]))].sort();
  return keys
    .map((k) => {
      const cells = runs
        .map((r) => {
          const v = r.features.get(k);
          const link = v ? `<a href="${esc(r.id)}/report.html">${MARK[v]}</a>` : '';
          return `<td class="${v ?? 'none'}" data-device="${esc(r.device)}">${link}</td>`;
        })
        .join('');
      return `<tr><th>${esc(k)}</th>${cells}</tr>`;
    })
    .join('\n');
}

function ruleRows(runs: RunSummary[]): string {
  const rules = [...new Set(runs.flatMap((r) => [...r.rules.keys()]))].sort();
  if (rules.length === 0) return `<tr><td colspan="${runs.length + 1}">No run failed a rule.</td></tr>`;
  return rules
    .map((rule) => {
      const cells = runs
        .map((r) => {
          const n = r.rules.get(rule);
          return `<td class="${n ? 'failed' : 'none'}" data-device="${esc(r.device)}">${n ?? ''}</td>`;
        })
        .join('');
      return `<tr><th>${esc(rule)}</th>${cells}</tr>`;
    })
    .join('\n');
}

function measurementRows(runs: RunSummary[]): string {
  const keys = [...new Set(runs.flatMap((r) => [...r.measurements.keys()]))].sort();
  if (keys.length === 0) return `<tr><td colspan="${runs.length + 1}">No run measured anything.</td></tr>`;
  return keys
    .map((key) => {
      const cells = runs
        .map((r) => {
          const m = r.measurements.get(key);
          const cls = m === undefined ? 'none' : m.ok ? 'passed' : 'failed';
          return `<td class="${cls}" data-device="${esc(r.device)}">${m === undefined ? '' : m.value}</td>`;
        })
        .join('');
      return `<tr><th>${esc(key)}</th>${cells}</tr>`;
    })
    .join('\n');
}

/** each measurement's values run by run (null where a run did not measure it), for the second chart */
function measurementSeries(runs: RunSummary[]): { label: string; data: (number | null)[] }[] {
  const keys = [...new Set(runs.flatMap((r) => [...r.measurements.keys()]))].sort();
  return keys.map((label) => ({ label, data: runs.map((r) => r.measurements.get(label)?.value ?? null) }));
}

function countRows(runs: RunSummary[]): string {
  return (['passed', 'failed', 'broken', 'skipped', 'flaky'] as const)
    .map(
      (k) =>
        `<tr><th>${k}</th>${runs.map((r) => `<td data-device="${esc(r.device)}">${r.counts[k]}</td>`).join('')}</tr>`,
    )
    .join('\n');
}

/** the pass rate counts what ran: skipped scenarios are left out */
export function passRate(r: RunSummary): number {
  const ran = r.counts.passed + r.counts.flaky + r.counts.failed + r.counts.broken;
  return ran === 0 ? 0 : Math.round(((r.counts.passed + r.counts.flaky) / ran) * 1000) / 10;
}

function chartScript(): string {
  const require = createRequire(import.meta.url);
  // the package's exports name no UMD file: it sits beside the main one
  const umd = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  return readFileSync(umd, 'utf8').replaceAll('</script', '<\\/script');
}

export function summaryPage(runs: RunSummary[]): string {
  const devices = [...new Set(runs.map((r) => r.device))].sort();
  const trend = runs.map((r, i) => ({
    label: `#${i + 1}`,
    device: r.device,
    rate: passRate(r),
    seconds: Math.round(r.seconds * 10) / 10,
  }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c8y-hil runs</title><style>
body { font: 13px system-ui, sans-serif; margin: 16px; } table { border-collapse: collapse; margin-bottom: 18px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; } th { text-align: left; font-weight: normal; }
th.run { font-size: 11px; text-align: center; }
td.passed { background: #e6f6e6; } td.failed { background: #fde2e2; }
td.broken { background: #ffe0b3; } td.flaky { background: #fff3cd; }
td.skipped { background: #eee; } a { text-decoration: none; color: inherit; } .hidden { display: none; }
#chart-box, #measure-box { width: 900px; height: 260px; }
</style></head><body><h1>c8y-hil: the last ${runs.length} runs</h1>
<p>✔ passed · ✖ failed (the device broke a rule) · ⚠ broken (the harness or the lab, not the device) · – skipped · ≈ flaky (failed, then passed on a retry). Each mark links to that run's report.</p>
<label>Device <select id="device"><option value="">all devices</option>${devices.map((d) => `<option>${esc(d)}</option>`).join('')}</select></label>
<h2>Trend</h2><div id="chart-box"><canvas id="trend"></canvas></div>
<h2>Features</h2><table id="features"><thead><tr><th>feature</th>${columnHeads(runs)}</tr></thead><tbody>
${featureRows(runs)}</tbody></table>
<h2>Rules the device failed</h2>
<table id="rules"><thead><tr><th>rule (scenarios)</th>${columnHeads(runs)}</tr></thead><tbody>
${ruleRows(runs)}</tbody></table>
<h2>Measurements</h2>
<p>The value each scenario judged (at its limit's percentile, else the median); red: outside its limit.</p>
<div id="measure-box"><canvas id="measures"></canvas></div>
<table id="measurements"><thead><tr><th>scenario: measurement (unit)</th>${columnHeads(runs)}</tr></thead><tbody>
${measurementRows(runs)}</tbody></table>
<h2>Scenarios</h2><table id="counts"><thead><tr><th>count</th>${columnHeads(runs)}</tr></thead><tbody>
${countRows(runs)}</tbody></table>
<script>${chartScript()}</script>
<script>
const TREND = ${JSON.stringify(trend).replaceAll('<', '\\u003c')};
const MEASURES = ${JSON.stringify(measurementSeries(runs)).replaceAll('<', '\\u003c')};
let chart;
let measures;
function draw(device) {
  const points = TREND.filter((p) => !device || p.device === device);
  chart?.destroy();
  chart = new Chart(document.getElementById('trend'), {
    type: 'line',
    data: { labels: points.map((p) => p.label), datasets: [
      { label: 'pass rate (%)', data: points.map((p) => p.rate), yAxisID: 'rate', borderColor: '#2e7d32' },
      { label: 'duration (s)', data: points.map((p) => p.seconds), yAxisID: 'seconds', borderColor: '#1565c0' } ] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { rate: { min: 0, max: 100, position: 'left' }, seconds: { min: 0, position: 'right' } },
    },
  });
  document.body.dataset.points = String(points.length);
  const shown = TREND.map((p, i) => i).filter((i) => !device || TREND[i].device === device);
  measures?.destroy();
  measures = new Chart(document.getElementById('measures'), {
    type: 'line',
    data: { labels: shown.map((i) => TREND[i].label),
      datasets: MEASURES.map((m) => ({ label: m.label, data: shown.map((i) => m.data[i]), spanGaps: true })) },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0 } } },
  });
}
document.getElementById('device').addEventListener('change', (e) => {
  const d = e.target.value;
  for (const el of document.querySelectorAll('[data-device]')) {
    el.classList.toggle('hidden', !!d && el.dataset.device !== d);
  }
  draw(d);
});
draw('');
document.body.dataset.ready = '1';
</script></body></html>\n`;
}

export function buildSummary(reportsDir: string): string {
  const file = join(reportsDir, 'index.html');
  writeFileSync(file, summaryPage(lastRuns(reportsDir)));
  return file;
}
