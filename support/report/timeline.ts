// `c8y-hil report`: a record as a standalone HTML traffic timeline. The events are written in
// chunks that the page loads one at a time (as scripts, so it works from file://), which keeps a
// record of a million packets usable: the page never holds more than one chunk and one page.
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordEvent } from '../record/events.ts';
import { readable, type Readable } from './describe.ts';
import { TIMELINE_PAGE } from './timeline-page.ts';
import { MAX_ROWS, sequenceSvg } from './sequence.ts';

export const CHUNK_SIZE = 2000;
/** filter values listed in the page at most, per kind */
const MAX_VALUES = 500;

export interface ChunkInfo {
  n: number;
  count: number;
  t0: number;
  t1: number;
  clients: string[];
  topics: string[];
  types: string[];
  findings: number;
}
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

/** the compact row the page shows */
type Row = [
  seq: number,
  t: number,
  lane: string,
  arrow: string,
  what: string,
  client: string,
  topic: string,
  type: string,
  finding: 0 | 1,
  detail: string,
  lines: [string, string, string[]][],
];

function row(r: Readable): Row {
  return [
    r.seq,
    r.t,
    r.lane,
    r.arrow,
    r.what + (r.qos !== undefined ? ` QoS ${r.qos}` : ''),
    r.client ?? '',
    r.topic ?? '',
    r.type ?? '',
    r.finding ? 1 : 0,
    r.detail ?? '',
    (r.lines ?? []).map((l) => [l.text, l.name ?? '', l.findings]),
  ];
}

export class RecordFormatError extends Error {}

export async function buildTimeline(recordPath: string, outDir: string): Promise<TimelineIndex> {
  mkdirSync(join(outDir, 'data'), { recursive: true });
  const index: TimelineIndex = {
    record: recordPath,
    meta: {},
    events: 0,
    chunks: [],
    clients: [],
    topics: [],
    types: [],
    findings: 0,
  };
  const all = { clients: new Set<string>(), topics: new Set<string>(), types: new Set<string>() };
  let rows: Row[] = [];
  let info: ChunkInfo | undefined;
  const sets = { clients: new Set<string>(), topics: new Set<string>(), types: new Set<string>() };
  const flush = () => {
    if (!info || rows.length === 0) return;
    // by time: a console line is stamped when its first byte came, which may be before it was added
    rows.sort((a, b) => a[1] - b[1]);
    info.clients = [...sets.clients];
    info.topics = [...sets.topics];
    info.types = [...sets.types];
    writeFileSync(join(outDir, 'data', `chunk-${info.n}.js`), `__c8yChunk(${info.n},${JSON.stringify(rows)});\n`);
    index.chunks.push(info);
    rows = [];
    info = undefined;
    sets.clients.clear();
    sets.topics.clear();
    sets.types.clear();
  };
  const forDiagram: RecordEvent[] = [];
  const lines = createInterface({ input: createReadStream(recordPath) });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let e: RecordEvent;
    try {
      e = JSON.parse(line) as RecordEvent;
    } catch (err) {
      throw new RecordFormatError(
        `${recordPath}, line ${lineNo}: not JSON (${(err as Error).message}); is this a c8y-hil record?`,
      );
    }
    if (lineNo === 1 && e.format !== 'c8y-hil-record')
      throw new RecordFormatError(
        `${recordPath}: the first line is not a c8y-hil record header (format "c8y-hil-record"), ` +
          'so this is not a record c8y-hil wrote',
      );
    if (e.kind === 'meta') {
      Object.assign(
        index.meta,
        Object.fromEntries(Object.entries(e).filter(([k]) => !['seq', 't', 'wall', 'kind'].includes(k))),
      );
      continue;
    }
    if (forDiagram.length < MAX_ROWS * 2) forDiagram.push(e);
    const r = readable(e, typeof index.meta.version === 'number' ? index.meta.version : 1);
    info ??= { n: index.chunks.length, count: 0, t0: r.t, t1: r.t, clients: [], topics: [], types: [], findings: 0 };
    rows.push(row(r));
    info.count++;
    info.t1 = r.t;
    if (r.finding) {
      info.findings++;
      index.findings++;
    }
    for (const [k, v] of [
      ['clients', r.client],
      ['topics', r.topic],
      ['types', r.type],
    ] as const) {
      if (!v) continue;
      sets[k].add(v);
      if (all[k].size < MAX_VALUES) all[k].add(v);
    }
    index.events++;
    if (rows.length >= CHUNK_SIZE) flush();
  }
  flush();
  index.clients = [...all.clients].sort();
  index.topics = [...all.topics].sort();
  index.types = [...all.types].sort();
  writeFileSync(join(outDir, 'data', 'index.js'), `__c8yIndex(${JSON.stringify(index)});\n`);
  writeFileSync(join(outDir, 'index.html'), TIMELINE_PAGE);
  forDiagram.sort((a, b) => a.t - b.t);
  writeFileSync(join(outDir, 'sequence.svg'), sequenceSvg(forDiagram, String(index.meta.scenario ?? recordPath)));
  return index;
}
