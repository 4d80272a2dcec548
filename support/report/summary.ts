// The page across runs: pass, fail and flaky per feature over the last runs in reports/.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Feature { uri: string; name: string; elements?: { name: string; steps?: { result?: { status?: string } }[] }[] }
type Verdict = 'pass' | 'fail' | 'flaky';

const RUNS = 20;
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** a feature's verdict in one run; a scenario that failed and then passed on a retry is flaky */
function verdict(f: Feature): Verdict {
  const byName = new Map<string, string[]>();
  for (const sc of f.elements ?? []) {
    const failed = (sc.steps ?? []).some((s) => ['failed', 'undefined', 'ambiguous'].includes(s.result?.status ?? ''));
    byName.set(sc.name, [...(byName.get(sc.name) ?? []), failed ? 'fail' : 'pass']);
  }
  let v: Verdict = 'pass';
  for (const attempts of byName.values()) {
    if (attempts.at(-1) === 'fail') return 'fail';
    if (attempts.includes('fail')) v = 'flaky';
  }
  return v;
}

export function buildSummary(reportsDir: string): string {
  const runs = existsSync(reportsDir) ? readdirSync(reportsDir)
    .filter((d) => d !== 'latest' && existsSync(join(reportsDir, d, 'report.json')) && statSync(join(reportsDir, d)).isDirectory())
    .sort().slice(-RUNS) : [];
  const table = new Map<string, Map<string, Verdict>>();
  for (const run of runs) {
    let features: Feature[];
    try { features = JSON.parse(readFileSync(join(reportsDir, run, 'report.json'), 'utf8')) as Feature[]; } catch { continue; }
    for (const f of features) {
      const key = `${f.name} (${f.uri})`;
      if (!table.has(key)) table.set(key, new Map());
      table.get(key)!.set(run, verdict(f));
    }
  }
  const mark = { pass: '✔', fail: '✖', flaky: '≈' };
  const rows = [...table.entries()].sort().map(([feature, byRun]) => {
    const counts = { pass: 0, fail: 0, flaky: 0 };
    const cells = runs.map((r) => { const v = byRun.get(r); if (v) counts[v]++; return `<td class="${v ?? 'none'}">${v ? `<a href="${esc(r)}/report.html">${mark[v]}</a>` : ''}</td>`; }).join('');
    return `<tr><th>${esc(feature)}</th>${cells}<td>${counts.pass}</td><td>${counts.fail}</td><td>${counts.flaky}</td></tr>`;
  }).join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c8y-hil runs</title><style>
body { font: 13px system-ui, sans-serif; margin: 16px; } table { border-collapse: collapse; } th, td { border: 1px solid #ddd; padding: 3px 6px; }
th { text-align: left; font-weight: normal; } td.pass { background: #e6f6e6; } td.fail { background: #fde2e2; } td.flaky { background: #fff3cd; } a { text-decoration: none; color: inherit; }
</style></head><body><h1>c8y-hil: the last ${runs.length} runs</h1>
<p>✔ passed · ✖ failed · ≈ flaky (failed, then passed on a retry). Each mark links to that run's report.</p>
<table><thead><tr><th>feature</th>${runs.map((r) => `<th title="${esc(r)}">${esc(r.slice(5, 16))}</th>`).join('')}<th>pass</th><th>fail</th><th>flaky</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>\n`;
  const file = join(reportsDir, 'index.html');
  writeFileSync(file, html);
  return file;
}
