// Records of several broker processes (a cluster on one Redis) as one: events in wall-time order
// (each record's start plus its monotonic offset), connections named by their process
// (`B/c3`), one header listing the records merged.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { RECORD_FORMAT, RECORD_VERSION } from './events.ts';

type Event = Record<string, unknown> & { t: number; kind: string };

/** fields that name a connection of the record they came from */
const CONN_FIELDS = ['conn', 'previousConn'] as const;

function readRecord(file: string): { node: string; started: number; events: Event[] } {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const events = lines.map((l, i) => {
    try {
      return JSON.parse(l) as Event;
    } catch {
      throw new Error(`${file}:${i + 1} is not a JSON line of a c8y-hil record`);
    }
  });
  const head = events[0];
  if (head?.format !== RECORD_FORMAT) throw new Error(`${file} is not a c8y-hil record (its first line has no format)`);
  const node = typeof head.node === 'string' ? head.node : basename(file).replace(/\.jsonl$/, '');
  return { node, started: Date.parse(String(head.started)), events: events.slice(1) };
}

function named(e: Event, node: string): Event {
  const out: Event = { ...e, node };
  for (const f of CONN_FIELDS) if (typeof out[f] === 'string') out[f] = `${node}/${String(out[f])}`;
  const cause = out.cause as Record<string, unknown> | undefined;
  if (cause && typeof cause.conn === 'string') out.cause = { ...cause, conn: `${node}/${cause.conn}` };
  return out;
}

/** write the records merged into `out`; returns how many events it holds, the header included */
export function mergeRecords(files: readonly string[], out: string): number {
  const records = files.map(readRecord);
  const nodes = records.map((r) => r.node);
  const twice = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (twice)
    throw new Error(`two of the records come from the process '${twice}': merge records of different processes`);
  const start = Math.min(...records.map((r) => r.started));
  const all = records.flatMap((r, which) =>
    r.events.map((e, i) => ({ at: r.started + e.t, which, i, e: named(e, r.node) })),
  );
  all.sort((x, y) => x.at - y.at || x.which - y.which || x.i - y.i);
  const header = {
    seq: 1,
    t: 0,
    wall: new Date(start).toISOString(),
    kind: 'meta',
    format: RECORD_FORMAT,
    version: RECORD_VERSION,
    started: new Date(start).toISOString(),
    merged: records.map((r, i) => ({ file: files[i], node: r.node, started: new Date(r.started).toISOString() })),
  };
  const lines = [JSON.stringify(header)];
  all.forEach(({ at, e }, i) => {
    const t = Math.round((at - start) * 1000) / 1000;
    lines.push(JSON.stringify({ ...e, seq: i + 2, t, wall: new Date(at).toISOString() }));
  });
  writeFileSync(out, lines.join('\n') + '\n');
  return lines.length;
}
