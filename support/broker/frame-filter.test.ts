// The frame filter over hand-made byte streams, cut at every position: packets dropped whole,
// the rest passed in order, and a held packet released with everything after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameFilter, type FrameVerdict } from './frame-filter.ts';

const PUBACK = (id: number) => Buffer.from([0x40, 0x02, 0, id]);
const PINGREQ = Buffer.from([0xc0, 0x00]);
/** a PUBLISH QoS 0 on "a" with a payload long enough for a two-byte length */
const PUBLISH = Buffer.concat([Buffer.from([0x30, 0x83, 0x01, 0x00, 0x01, 0x61]), Buffer.alloc(128, 0x78)]);

function run(chunks: Buffer[], decide: (type: number) => FrameVerdict): Buffer {
  const out: Buffer[] = [];
  const f = new FrameFilter(decide, (b) => out.push(b));
  for (const c of chunks) f.write(c);
  return Buffer.concat(out);
}

test('frame filter: PUBACKs dropped whole wherever the chunks are cut; the other packets pass in order', () => {
  const stream = Buffer.concat([PUBACK(1), PUBLISH, PUBACK(2), PINGREQ]);
  const expected = Buffer.concat([PUBLISH, PINGREQ]);
  for (let cut = 0; cut <= stream.length; cut++) {
    for (let cut2 = cut; cut2 <= stream.length; cut2 += 7) {
      const parts = [stream.subarray(0, cut), stream.subarray(cut, cut2), stream.subarray(cut2)];
      assert.deepEqual(
        run(parts, (t) => (t === 4 ? 'drop' : 'pass')),
        expected,
        `cut at ${cut}, ${cut2}`,
      );
    }
  }
  assert.deepEqual(
    run([stream], () => 'pass'),
    stream,
  );
});

test('frame filter: only the next PUBACK is lost when the decision says so once', () => {
  let left = 1;
  const out = run([Buffer.concat([PUBACK(1), PUBACK(2), PUBACK(3)])], (t) => (t === 4 && left-- > 0 ? 'drop' : 'pass'));
  assert.deepEqual(out, Buffer.concat([PUBACK(2), PUBACK(3)]));
});

test('frame filter: a held packet and everything after it come later, in order', async () => {
  const out: Buffer[] = [];
  let held = false;
  const f = new FrameFilter(
    (t) => (t === 4 && !held ? ((held = true), { holdMs: 30 }) : 'pass'),
    (b) => out.push(b),
  );
  f.write(Buffer.concat([PINGREQ, PUBACK(1), PINGREQ]));
  f.write(PUBLISH);
  assert.deepEqual(Buffer.concat(out), PINGREQ, 'only what came before the held PUBACK went through');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(Buffer.concat(out), Buffer.concat([PINGREQ, PUBACK(1), PINGREQ, PUBLISH]));
});

test('whole packets: dropped ones left out, a late one holds itself and what follows it', async () => {
  const { filterWhole } = await import('./frame-filter.ts');
  const bytes = Buffer.concat([PUBACK(1), PUBLISH, PINGREQ]);
  assert.deepEqual(
    filterWhole(bytes, (t) => (t === 4 ? 'drop' : 'pass')),
    { now: Buffer.concat([PUBLISH, PINGREQ]), later: Buffer.alloc(0), holdMs: 0 },
  );
  assert.deepEqual(
    filterWhole(bytes, (t) => (t === 3 ? { holdMs: 40 } : 'pass')),
    { now: PUBACK(1), later: Buffer.concat([PUBLISH, PINGREQ]), holdMs: 40 },
  );
  assert.deepEqual(
    filterWhole(bytes, (t) => (t === 4 ? { holdMs: 40 } : 'pass')),
    { now: Buffer.alloc(0), later: bytes, holdMs: 40 },
  );
  const none = filterWhole(bytes, () => 'drop');
  assert.equal(none.now.length + none.later.length, 0);
});
