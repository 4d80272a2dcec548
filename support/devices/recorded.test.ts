// One wrapper records every driver call: start, end with its time, or failure with the reason,
// in the record it was last given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficRecord } from '../record/record.ts';
import type { Device } from './device.ts';
import { recorded } from './recorded.ts';

test('recorded: calls and named actions recorded; a failure keeps its reason and is thrown; no record, none', async () => {
  const given: (TrafficRecord | undefined)[] = [];
  const fake = {
    id: 'SN1',
    setRecord: (r: TrafficRecord | undefined) => given.push(r),
    connect: async () => {},
    action: async (name: string) => {
      if (name === 'event') throw new Error('ERROR no event');
    },
    has: () => true,
  } as unknown as Device;
  const d = recorded(fake);
  await d.connect();
  const record = new TrafficRecord();
  d.setRecord(record);
  await d.connect();
  await assert.rejects(d.action('event'), /ERROR no event/);
  assert.equal(d.has('x'), true);
  const events = record.select({ kind: 'device' }).map((e) => [e.device, e.action, e.phase, e.reason ?? typeof e.ms]);
  assert.deepEqual(events, [
    ['SN1', 'connect', 'start', 'undefined'],
    ['SN1', 'connect', 'end', 'number'],
    ['SN1', 'event', 'start', 'undefined'],
    ['SN1', 'event', 'failed', 'ERROR no event'],
  ]);
  assert.deepEqual(given, [record]);
  record.close();
});
