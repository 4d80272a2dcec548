// The suite against the emulator with each fault switch: each fault must make its matching
// feature fail, and the fault-free emulator must pass everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socatMissing } from '../devices/emulated.ts';
import { formatMatrix, runFaultMatrix } from './fault-matrix.ts';

test('fault matrix: every fault is caught by its feature, and a correct device passes', { skip: socatMissing(), timeout: 600_000 }, async () => {
  // most of a faulty run is waiting for what never comes: four workers overlap the waits
  const m = await runFaultMatrix({ args: ['--parallel', '4'] });
  console.log(formatMatrix(m));
  assert.deepEqual(m.falseAlarms, [], 'the fault-free emulator must pass every feature');
  assert.deepEqual(m.unnoticed, [], 'every fault must make its matching feature fail');
});
