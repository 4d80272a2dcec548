// The short soak of the test suite: a few thousand fuzzed inputs and clean connect/publish/
// disconnect cycles against `c8y-hil broker`. Memory kept per connection shows as growth that
// stays after the broker has gone quiet and collected its garbage; the bench (bench/soak.bench.ts)
// runs a million of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from './soak.ts';

const FUZZ = 3000;
const CYCLES = 6000;

test(
  'a short soak: after each phase the broker is back within 20% of its RSS, the heap grows < 1 KiB a connection',
  {
    timeout: 180_000,
  },
  async () => {
    const r = await runSoak({
      phases: [
        { name: 'fuzz', kind: 'fuzz', inputs: FUZZ },
        { name: 'cycles', kind: 'cycles', inputs: CYCLES },
      ],
      concurrency: 50,
      seed: 7,
      idleMs: 12_000,
    });
    const figures = JSON.stringify({
      baselineMiB: r.baselineMiB,
      baselineHeapMiB: r.baselineHeapMiB,
      phases: r.phases,
    });
    for (const p of r.phases)
      assert.ok(
        p.rssAfterMiB <= r.baselineMiB * 1.2,
        `RSS after ${p.name} more than 20% above the baseline: ${figures}`,
      );
    const heapPerConnection = ((r.phases.at(-1)!.heapUsedAfterMiB - r.baselineHeapMiB) * 2 ** 20) / (FUZZ + CYCLES);
    assert.ok(heapPerConnection < 1024, `${Math.round(heapPerConnection)} bytes of heap a connection: ${figures}`);
    assert.equal(r.sentinel.missed, 0, `the sentinel missed operations: ${JSON.stringify(r.sentinel)}`);
    assert.ok(r.recordValid, 'the record is valid JSONL to its last line');
  },
);
