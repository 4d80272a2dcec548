// The record writer keeps what it needs per connection only while it can still be needed: a
// broker that sees many connections, or one connection that publishes for days, does not grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { ITEM_EVENT, ITEM_IN, type Batch } from './batch.ts';
import { PublishSeqs } from './decoder.ts';
import { CLOSED_KEPT, handleBatch, type OpenFile } from './writer.ts';

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);

/** one batch: items are events (objects) or bytes a connection sent */
function batch(items: ({ event: Record<string, unknown> } | { conn: number; bytes: Buffer })[]): Batch {
  const chunks = items.map((i) => ('bytes' in i ? i.bytes : Buffer.alloc(0)));
  const bytes = Buffer.concat(chunks);
  let end = 0;
  const events: string[] = [];
  return {
    op: 'batch',
    id: 1,
    bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
    kinds: Uint8Array.from(items.map((i) => ('bytes' in i ? ITEM_IN : ITEM_EVENT))),
    refs: Int32Array.from(items.map((i) => ('bytes' in i ? i.conn : events.push(JSON.stringify(i.event)) - 1))),
    ends: Int32Array.from(chunks.map((c) => (end += c.length))),
    ts: Float64Array.from(items.map(() => 1)),
    events,
  };
}

function openFile(): { f: OpenFile; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'c8y-hil-writer-')), 'r.jsonl');
  const f: OpenFile = {
    fd: openSync(path, 'w'),
    seq: 0,
    startedWall: Date.now(),
    done: new Int32Array(1),
    conns: new Map(),
    closed: [],
  };
  return { f, path };
}

const connect = (id: string) =>
  gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: id });
const publish = (n: number) =>
  gen({ cmd: 'publish', topic: 's/us', payload: Buffer.from(`211,${n}`), qos: 0, retain: false, dup: false });

test('a closed connection is forgotten once enough others have closed: 5,000 connections keep a handful', () => {
  const { f } = openFile();
  for (let c = 1; c <= 5000; c++) {
    handleBatch(
      f,
      batch([
        { event: { t: 1, kind: 'connection', action: 'open', conn: `c${c}`, transport: 'mqtt' } },
        { conn: c, bytes: Buffer.concat([connect(`D${c}`), publish(c)]) },
        { event: { t: 1, kind: 'connection', action: 'close', conn: `c${c}`, transport: 'mqtt' } },
      ]),
    );
  }
  assert.equal(f.conns.size, CLOSED_KEPT);
  assert.equal(f.closed.length, CLOSED_KEPT);
  closeSync(f.fd);
});

test('an event names its cause while the connection is open and just after it closed', () => {
  const { f, path } = openFile();
  const cause = (conn: string) => ({
    t: 1,
    kind: 'platform',
    change: 'x',
    deviceId: 'D',
    cause: { conn, publish: 1, line: 0 },
  });
  handleBatch(
    f,
    batch([
      { event: { t: 1, kind: 'connection', action: 'open', conn: 'c1', transport: 'mqtt' } },
      { conn: 1, bytes: Buffer.concat([connect('D'), publish(1)]) },
      { event: cause('c1') },
      { event: { t: 1, kind: 'connection', action: 'close', conn: 'c1', transport: 'mqtt' } },
      { event: cause('c1') },
    ]),
  );
  closeSync(f.fd);
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const publishSeq = lines.find((l) => l.type === 'publish')!.seq;
  assert.deepEqual(
    lines.filter((l) => l.kind === 'platform').map((l) => l.causeSeq),
    [publishSeq, publishSeq],
  );
});

test("a connection's PUBLISH seqs: the latest are kept, the list does not grow for ever", () => {
  const s = new PublishSeqs();
  for (let n = 1; n <= 5 * PublishSeqs.KEEP; n++) s.push(1000 + n);
  assert.ok(s.kept < 2 * PublishSeqs.KEEP, `kept ${s.kept}`);
  assert.equal(s.of(5 * PublishSeqs.KEEP), 1000 + 5 * PublishSeqs.KEEP);
  assert.equal(s.of(5 * PublishSeqs.KEEP - PublishSeqs.KEEP + 1), 1000 + 4 * PublishSeqs.KEEP + 1);
  assert.equal(s.of(1), undefined, 'long gone');
});
