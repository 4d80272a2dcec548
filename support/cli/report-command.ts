// `c8y-hil report RECORD.jsonl [--out DIR] [--pdf] [--png]` and `c8y-hil report --summary`.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderPage } from '../report/render.ts';
import { buildSummary } from '../report/summary.ts';
import { buildTimeline, RecordFormatError } from '../report/timeline.ts';
import { optionProblem, UsageError } from './usage-error.ts';
import { mergeRuns } from './merge-runs.ts';
import { mergeRecords } from '../record/merge.ts';
import { verdictLine } from './run-command.ts';

export const REPORT_HELP = `Usage: c8y-hil report RECORD.jsonl [RECORD.jsonl ...] [--out DIR] [--pdf] [--png]
       c8y-hil report --summary [--reports DIR]
       c8y-hil report --merge RUN_DIR RUN_DIR... [--out DIR]

The first form writes a traffic timeline of the record to DIR (default: RECORD.timeline/):
index.html opens in a browser, with filters by client, topic and packet type; --pdf and --png
also render it with Chromium. Several records (the processes of c8y-hil broker --redis) are
merged first by wall time into DIR/merged.jsonl, connections named by process (B/c3).
The second writes DIR/index.html (default reports/): pass, fail and flaky per feature over the
last runs. The third joins the runs of one suite split over hosts
(c8y-hil run --shard 1/2, --shard 2/2) into one run in DIR (default reports/<id>-merged): one
message stream, and from it report.html, junit.xml and outcome.json, the shards' records under
records/<shard>/; its exit code is the merged run's (0 passed, 1 failed, 3 broken).
`;

/** the records of a cluster's processes as one, in the timeline's folder */
function mergedRecord(files: string[], out: string): string {
  mkdirSync(out, { recursive: true });
  const merged = join(out, 'merged.jsonl');
  try {
    const n = mergeRecords(files, merged);
    process.stdout.write(`merged ${files.length} records (${n} events): ${merged}\n`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return merged;
}

export async function reportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    const options = {
      out: { type: 'string' },
      pdf: { type: 'boolean' },
      png: { type: 'boolean' },
      summary: { type: 'boolean' },
      merge: { type: 'boolean' },
      reports: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } as const;
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${optionProblem(err as Error)} (see c8y-hil report --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (values.summary) {
    const dir = resolve(values.reports ?? 'reports');
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`no reports folder at ${dir} (give the folder the runs wrote with --reports DIR)`);
    const file = buildSummary(dir);
    process.stdout.write(`summary: ${file}\n`);
    return 0;
  }
  if (values.merge) {
    const id = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
    const out = resolve(values.out ?? join('reports', `${id}-merged`));
    const outcome = await mergeRuns(
      positionals.map((p) => resolve(p)),
      out,
    );
    process.stdout.write(`${verdictLine(outcome)}\nmerged: ${join(out, 'report.html')}, ${join(out, 'junit.xml')}\n`);
    try {
      buildSummary(resolve(values.reports ?? 'reports'));
    } catch {
      /* no runs folder to summarise */
    }
    return outcome.exitCode;
  }
  if (positionals.length === 0) throw new UsageError('give a record file (see c8y-hil report --help)');
  for (const p of positionals) {
    const file = resolve(p);
    if (!existsSync(file)) throw new UsageError(`no record at ${file}`);
    if (statSync(file).isDirectory())
      throw new UsageError(`${file} is a folder; give record files (RECORD.jsonl), e.g. one of ${file}/records/`);
  }
  const out = resolve(
    values.out ?? positionals[0]!.replace(/\.jsonl$/, '') + (positionals.length > 1 ? '.merged' : '') + '.timeline',
  );
  const record =
    positionals.length === 1
      ? resolve(positionals[0]!)
      : mergedRecord(
          positionals.map((p) => resolve(p)),
          out,
        );
  let index;
  try {
    index = await buildTimeline(record, out);
  } catch (err) {
    if (err instanceof RecordFormatError) throw new UsageError(err.message);
    throw err;
  }
  const html = join(out, 'index.html');
  process.stdout.write(
    `timeline: ${html} (${index.events} events, ${index.chunks.length} chunks, ${index.findings} findings)\n`,
  );
  if (values.pdf || values.png) {
    const outputs = {
      ...(values.pdf ? { pdf: join(out, 'timeline.pdf') } : {}),
      ...(values.png ? { png: join(out, 'timeline.png') } : {}),
    };
    await renderPage(html, outputs);
    for (const p of Object.values(outputs)) process.stdout.write(`rendered: ${p}\n`);
  }
  return 0;
}
