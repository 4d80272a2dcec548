// The suite against the emulator with each fault switch: every rule a fault names must report a
// violation, the fault-free emulator must pass, and every violation rule must have a fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socatMissing } from '../devices/emulated.ts';
import { formatMatrix, runFaultMatrix, violatedRules } from './fault-matrix.ts';

test('the rules a run broke are read from its failures; a step failing for another reason names none', () => {
  const report = [{ uri: 'features/a.feature', elements: [
    { steps: [{ result: { status: 'passed' } }, { result: { status: 'failed', error_message: '[operations.lifecycle, violation] …\n[x.y, warning]' } }] },
    { steps: [{ result: { status: 'failed', message: 'Error: timeout' } }], after: [{ result: { status: 'failed', message: 'Audit …\n[escaping.doubled-quote, violation] …' } }] },
  ] }, { uri: 'features/b.feature', elements: [{ steps: [{ result: { status: 'passed', message: '[qos.as-configured, violation]' } }] }] }];
  const r = violatedRules(report);
  assert.deepEqual([...r.violated].sort(), ['escaping.doubled-quote', 'operations.lifecycle']);
  assert.deepEqual([...r.failed], ['features/a.feature']);
});

test('fault matrix: every fault is caught by all of its rules, a correct device passes, every violation rule has a fault',
  { skip: socatMissing(), timeout: 600_000 }, async () => {
    const m = await runFaultMatrix();
    console.log(formatMatrix(m));
    assert.deepEqual(m.falseAlarms, [], 'the fault-free emulator must pass every feature');
    assert.deepEqual(m.unnoticed, [], 'every fault must be caught by each rule it names');
    assert.deepEqual(m.uncovered, [], 'every violation rule needs a fault that triggers it');
  });
