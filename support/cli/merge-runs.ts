// `c8y-hil report --merge DIR…`: the runs of one suite split over hosts (cucumber's --shard i/n)
// as one run: their message streams joined into one (one start, one finish), and from it, as for
// any run, the HTML report, JUnit and the outcome; the records side by side; one summary entry.
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import { readMessages, runOutcome, type RunOutcome } from '../report/outcomes.ts';
import type { RunMetadata } from '../report/run-metadata.ts';
import { UsageError } from './usage-error.ts';
import { writeOutputs } from './run-command.ts';

type Envelope = Record<string, { timestamp?: { seconds: number; nanos: number }; success?: boolean } | undefined>;

const at = (t?: { seconds: number; nanos: number }) => (t ? t.seconds + t.nanos / 1e9 : 0);

/** the shards' envelopes as one run: the earliest start, the latest finish (successful when every shard's was) */
export function joinStreams(streams: readonly Envelope[][]): Envelope[] {
  const starts = streams.flatMap((s) => s.filter((e) => e.testRunStarted));
  const finishes = streams.flatMap((s) => s.filter((e) => e.testRunFinished));
  const first = [...starts].sort((a, b) => at(a.testRunStarted!.timestamp) - at(b.testRunStarted!.timestamp))[0];
  const last = [...finishes].sort((a, b) => at(b.testRunFinished!.timestamp) - at(a.testRunFinished!.timestamp))[0];
  const body = streams.flatMap((s, i) =>
    s.filter((e) => !e.testRunStarted && !e.testRunFinished && (i === 0 || !e.meta)),
  );
  const finish = last && {
    testRunFinished: { ...last.testRunFinished!, success: finishes.every((f) => f.testRunFinished!.success) },
  };
  return [
    ...body.filter((e) => e.meta),
    ...(first ? [first] : []),
    ...body.filter((e) => !e.meta),
    ...(finish ? [finish] : []),
  ];
}

export async function mergeRuns(dirs: readonly string[], out: string): Promise<RunOutcome> {
  if (dirs.length < 2) throw new UsageError('--merge needs two run folders or more (each with messages.ndjson)');
  for (const d of dirs)
    if (!existsSync(join(d, 'messages.ndjson')))
      throw new UsageError(`--merge: ${d} is not a run folder (no messages.ndjson)`);
  mkdirSync(out, { recursive: true });
  const envelopes = joinStreams(dirs.map((d) => readMessages(join(d, 'messages.ndjson')) as Envelope[]));
  writeFileSync(join(out, 'messages.ndjson'), envelopes.map((e) => JSON.stringify(e)).join('\n') + '\n');
  await pipeline(Readable.from(envelopes), new CucumberHtmlStream(), createWriteStream(join(out, 'report.html')));
  for (const d of dirs) {
    const records = join(d, 'records');
    if (!existsSync(records)) continue;
    // each shard's records under its own name: two hosts may have run scenarios of one name
    cpSync(records, join(out, 'records', basename(d)), { recursive: true });
  }
  const metas = dirs.map((d) =>
    existsSync(join(d, 'run.json')) ? (JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')) as RunMetadata) : {},
  );
  const meta: RunMetadata = { ...metas[0], shards: dirs.map((d) => basename(d)).join(' ') };
  const outcome = runOutcome(envelopes as never);
  writeOutputs(out, outcome, meta);
  return outcome;
}
