// Decisions as people read them: the rule and severity of a finding, from format 2 and format 1 records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readable } from './describe.ts';

const base = { seq: 1, t: 0, wall: '2026-01-01T00:00:00Z', kind: 'decision' };

test('a decision shows its rule and severity; only violations and warnings are findings', () => {
  const v2 = readable({
    ...base,
    decision: 'subscription-refused',
    rule: 'topics.subscribe-publish-topic',
    severity: 'violation',
    reason: 'no',
  });
  assert.equal(v2.what, 'decided subscription-refused [violation: topics.subscribe-publish-topic]');
  assert.equal(v2.finding, true);
  const info = readable({
    ...base,
    decision: 'smartrest-error',
    code: 41,
    rule: 'platform.device-exists',
    severity: 'info',
  });
  assert.equal(info.finding, false, '41 for a repeated 100 never counts against the device');
  const v1 = readable({ ...base, decision: 'will-ignored' }, 1);
  assert.equal(v1.what, 'decided will-ignored [warning: connect.last-will]');
  assert.equal(readable({ ...base, decision: 'connection-accepted' }).finding, false);
});
