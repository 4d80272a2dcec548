// `c8y-hil report`: a record as a standalone HTML traffic timeline. The events are written in
// chunks that the page loads one at a time (as scripts, so it works from file://), which keeps a
// record of a million packets usable: the page never holds more than one chunk and one page.
// (Two worker threads, each on half the record, were tried: 4.1 s against 5.2 s for a million
// packets, but 198 MiB at peak against 167: one thread is simpler and within both limits.)
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TIMELINE_PAGE } from './timeline-page.ts';
import { sequenceSvg } from './sequence.ts';
import { CHUNK_SIZE, RecordFormatError, scanRange, type ChunkInfo } from './timeline-range.ts';

export { CHUNK_SIZE, RecordFormatError, type ChunkInfo };

export interface TimelineIndex {
  record: string;
  meta: Record<string, unknown>;
  events: number;
  chunks: ChunkInfo[];
  clients: string[];
  topics: string[];
  types: string[];
  findings: number;
}

/** the record's header (its first line), or a clear error when it is not a c8y-hil record */
function header(path: string): Record<string, unknown> {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  if (n === 0) return {};
  const first = buf.toString('utf8', 0, n).split('\n')[0]!;
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(first) as Record<string, unknown>;
  } catch (err) {
    throw new RecordFormatError(`${path}, line 1: not JSON (${(err as Error).message}); is this a c8y-hil record?`);
  }
  if (head.format !== 'c8y-hil-record')
    throw new RecordFormatError(
      `${path}: the first line is not a c8y-hil record header (format "c8y-hil-record"), ` +
        'so this is not a record c8y-hil wrote',
    );
  return head;
}

export async function buildTimeline(recordPath: string, outDir: string): Promise<TimelineIndex> {
  const head = header(recordPath);
  mkdirSync(join(outDir, 'data'), { recursive: true });
  const version = typeof head.version === 'number' ? head.version : 1;
  const r = scanRange({ path: recordPath, start: 0, end: statSync(recordPath).size, outDir, version });
  const sorted = (xs: string[]) => [...xs].sort();
  const index: TimelineIndex = {
    record: recordPath,
    meta: r.meta,
    events: r.events,
    chunks: r.chunks,
    clients: sorted(r.clients),
    topics: sorted(r.topics),
    types: sorted(r.types),
    findings: r.findings,
  };
  writeFileSync(join(outDir, 'data', 'index.js'), `__c8yIndex(${JSON.stringify(index)});\n`);
  writeFileSync(join(outDir, 'index.html'), TIMELINE_PAGE);
  const forDiagram = r.forDiagram.sort((a, b) => a.t - b.t);
  writeFileSync(join(outDir, 'sequence.svg'), sequenceSvg(forDiagram, String(index.meta.scenario ?? recordPath)));
  return index;
}
