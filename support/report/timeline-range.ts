// A record (or a byte range of it: the lines that start in [start, end)) made into timeline
// chunks: each event described, 2000 to a chunk file. Lines are read in blocks and cut at
// newlines (readline costs more than the rest of the reading).
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordEvent } from '../record/events.ts';
import { readable, type Readable } from './describe.ts';
import { MAX_ROWS } from './sequence.ts';

export const CHUNK_SIZE = 2000;
/** filter values listed in the page at most, per kind */
export const MAX_VALUES = 500;
const BLOCK = 4 << 20;

export interface ChunkInfo {
  n: number;
  /** the chunk's script is data/<key>.js; it hands its rows to the page under this key */
  key: string;
  count: number;
  t0: number;
  t1: number;
  clients: string[];
  topics: string[];
  types: string[];
  findings: number;
}

export interface RangeJob {
  path: string;
  start: number;
  end: number;
  outDir: string;
  /** the record's format version, from its header */
  version: number;
}

export interface RangeResult {
  meta: Record<string, unknown>;
  events: number;
  findings: number;
  chunks: ChunkInfo[];
  clients: string[];
  topics: string[];
  types: string[];
  /** the first events, for the sequence diagram */
  forDiagram: RecordEvent[];
}

export class RecordFormatError extends Error {}

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

/** each line that starts in [start, end), with its byte offset: read in blocks, cut at newlines */
function* linesOf(path: string, start: number, end: number): Generator<[string, number]> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(BLOCK);
    let pos = start;
    // a range that starts inside a line leaves it to the range before
    if (start > 0) {
      const one = Buffer.alloc(1);
      readSync(fd, one, 0, 1, start - 1);
      if (one[0] !== 0x0a) {
        for (;;) {
          const n = readSync(fd, buf, 0, BLOCK, pos);
          if (n === 0) return;
          const nl = buf.subarray(0, n).indexOf(0x0a);
          if (nl >= 0) {
            pos += nl + 1;
            break;
          }
          pos += n;
        }
      }
    }
    let carry = Buffer.alloc(0);
    let carryAt = pos;
    while (carryAt < end) {
      const n = readSync(fd, buf, 0, BLOCK, pos);
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      pos += n;
      let from = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, from);
        if (nl < 0) break;
        if (carryAt + from >= end) return;
        yield [data.toString('utf8', from, nl), carryAt + from];
        from = nl + 1;
      }
      if (n === 0) {
        if (from < data.length && carryAt + from < end) yield [data.toString('utf8', from), carryAt + from];
        return;
      }
      carry = Buffer.from(data.subarray(from));
      carryAt += from;
    }
  } finally {
    closeSync(fd);
  }
}

export function scanRange(job: RangeJob): RangeResult {
  const res: RangeResult = {
    meta: {},
    events: 0,
    findings: 0,
    chunks: [],
    clients: [],
    topics: [],
    types: [],
    forDiagram: [],
  };
  const all = { clients: new Set<string>(), topics: new Set<string>(), types: new Set<string>() };
  const sets = { clients: new Set<string>(), topics: new Set<string>(), types: new Set<string>() };
  let rows: Row[] = [];
  let info: ChunkInfo | undefined;
  const flush = () => {
    if (!info || rows.length === 0) return;
    // by time: a console line is stamped when its first byte came, which may be before it was added
    rows.sort((a, b) => a[1] - b[1]);
    info.clients = [...sets.clients];
    info.topics = [...sets.topics];
    info.types = [...sets.types];
    writeFileSync(
      join(job.outDir, 'data', `${info.key}.js`),
      `__c8yChunk(${JSON.stringify(info.key)},${JSON.stringify(rows)});\n`,
    );
    res.chunks.push(info);
    rows = [];
    info = undefined;
    for (const s of Object.values(sets)) s.clear();
  };
  for (const [line, offset] of linesOf(job.path, job.start, job.end)) {
    if (line.trim() === '') continue;
    let e: RecordEvent;
    try {
      e = JSON.parse(line) as RecordEvent;
    } catch (err) {
      throw new RecordFormatError(
        `${job.path}, the line at byte ${offset}: not JSON (${(err as Error).message}); is this a c8y-hil record?`,
      );
    }
    if (e.kind === 'meta') {
      for (const [k, v] of Object.entries(e)) if (!['seq', 't', 'wall', 'kind'].includes(k)) res.meta[k] = v;
      continue;
    }
    if (res.forDiagram.length < MAX_ROWS * 2) res.forDiagram.push(e);
    const r = readable(e, job.version);
    if (!info) {
      const k = res.chunks.length;
      info = { n: k, key: `chunk-${k}`, count: 0, t0: r.t, t1: r.t, clients: [], topics: [], types: [], findings: 0 };
    }
    rows.push(row(r));
    info.count++;
    info.t1 = r.t;
    if (r.finding) {
      info.findings++;
      res.findings++;
    }
    if (r.client) note('clients', r.client);
    if (r.topic) note('topics', r.topic);
    if (r.type) note('types', r.type);
    res.events++;
    if (rows.length >= CHUNK_SIZE) flush();
  }
  flush();
  res.clients = [...all.clients];
  res.topics = [...all.topics];
  res.types = [...all.types];
  return res;

  function note(k: keyof typeof sets, v: string): void {
    sets[k].add(v);
    if (all[k].size < MAX_VALUES) all[k].add(v);
  }
}
