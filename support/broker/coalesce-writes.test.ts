// Writes held until the turn's end: one writev per turn, in order, none lost to an end or to a
// close that aedes schedules after its write (a refusal's CONNACK).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { coalesceWrites } from './coalesce-writes.ts';

/** a stream that notes each call that reaches its "socket" */
function socketLike(): { stream: Duplex; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      calls.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      calls.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  coalesceWrites(stream);
  return { stream, calls };
}

const turn = () => new Promise((r) => setImmediate(r));

test('the writes of one turn reach the socket in one call, in order; the next turn is another call', async () => {
  const { stream, calls } = socketLike();
  for (const p of ['a', 'b', 'c']) stream.write(p);
  process.nextTick(() => stream.write('d')); // mqtt-packet's own uncork comes here
  assert.deepEqual(calls, [], 'nothing before the turn ends');
  await turn();
  assert.deepEqual(calls, [['a', 'b', 'c', 'd']]);
  stream.write('e');
  await turn();
  assert.deepEqual(calls, [['a', 'b', 'c', 'd'], ['e']]);
});

test('an end in the same turn sends what was written first', async () => {
  const { stream, calls } = socketLike();
  stream.write('connack');
  stream.end('last');
  await new Promise((r) => stream.once('finish', r));
  assert.deepEqual(calls.flat(), ['connack', 'last']);
  await turn(); // the held release finds the stream ended: nothing more, no error
  assert.deepEqual(calls.flat(), ['connack', 'last']);
});

test('a close scheduled after the write (as aedes closes after a refusal) comes after the socket has it', async () => {
  const { stream, calls } = socketLike();
  stream.write('connack 5');
  setImmediate(() => {
    assert.deepEqual(calls, [['connack 5']]);
    stream.destroy();
  });
  await new Promise((r) => stream.once('close', r));
  assert.deepEqual(calls, [['connack 5']]);
});
