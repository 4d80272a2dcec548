// When the broker collects: once a busy spell of connections has calmed, then three times more two
// looks apart; never while connections keep coming, never after a spell too small to matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calmWatch } from './idle-gc.ts';

/** the looks at which a collection ran, `perLook[i]` connections opened before look i */
function collections(perLook: number[]): number[] {
  let opened = 0;
  let look = 0;
  const at: number[] = [];
  const watch = calmWatch(() => opened, { busy: 1000, calm: 50, collect: () => at.push(look) });
  for (const n of perLook) {
    opened += n;
    look++;
    watch();
  }
  return at;
}

test('a spell of connections that calms: one collection, then three more two looks apart', () => {
  assert.deepEqual(collections([400, 400, 400, 10, 0, 0, 0, 0, 0, 0, 0, 0]), [4, 6, 8, 10]);
});

test('a new spell starts the schedule again; a look with traffic waits', () => {
  // due at look 4, which has traffic: at 5; the spell of 500 + 700 ends at 7
  assert.deepEqual(collections([1200, 0, 0, 500, 0, 700, 0, 0]), [2, 5, 7]);
});

test('no collection while connections keep coming, nor after a spell below the busy mark', () => {
  assert.deepEqual(collections(Array(12).fill(300)), []);
  assert.deepEqual(collections([300, 300, 0, 0, 0, 0, 0, 0]), []);
});
