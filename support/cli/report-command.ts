// `c8y-hil report RECORD.jsonl [--out DIR] [--pdf] [--png]` and `c8y-hil report --summary`.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderPage } from '../report/render.ts';
import { buildSummary } from '../report/summary.ts';
import { buildTimeline, RecordFormatError } from '../report/timeline.ts';
import { UsageError } from './usage-error.ts';

export const REPORT_HELP = `Usage: c8y-hil report RECORD.jsonl [--out DIR] [--pdf] [--png]
       c8y-hil report --summary [--reports DIR]

The first form writes a traffic timeline of the record to DIR (default: RECORD.timeline/):
index.html opens in a browser, with filters by client, topic and packet type; --pdf and --png
also render it with Chromium. The second writes DIR/index.html (default reports/): pass, fail
and flaky per feature over the last runs.
`;

export async function reportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string' }, pdf: { type: 'boolean' }, png: { type: 'boolean' }, summary: { type: 'boolean' }, reports: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')} (see c8y-hil report --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) { process.stdout.write(REPORT_HELP); return 0; }
  if (values.summary) {
    const file = buildSummary(resolve(values.reports ?? 'reports'));
    process.stdout.write(`summary: ${file}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one record file (see c8y-hil report --help)');
  const record = resolve(positionals[0]!);
  if (!existsSync(record)) throw new UsageError(`no record at ${record}`);
  const out = resolve(values.out ?? record.replace(/\.jsonl$/, '') + '.timeline');
  let index;
  try { index = await buildTimeline(record, out); } catch (err) {
    if (err instanceof RecordFormatError) throw new UsageError(err.message);
    throw err;
  }
  const html = join(out, 'index.html');
  process.stdout.write(`timeline: ${html} (${index.events} events, ${index.chunks.length} chunks, ${index.findings} findings)\n`);
  if (values.pdf || values.png) {
    const outputs = { ...(values.pdf ? { pdf: join(out, 'timeline.pdf') } : {}), ...(values.png ? { png: join(out, 'timeline.png') } : {}) };
    await renderPage(html, outputs);
    for (const p of Object.values(outputs)) process.stdout.write(`rendered: ${p}\n`);
  }
  return 0;
}
