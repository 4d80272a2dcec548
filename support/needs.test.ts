// Needs from tags and steps, and the reason a device that lacks one gives for a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device } from './devices/device.ts';
import { validateProfile } from './devices/profile.ts';
import { missingNeed, needsOf } from './needs.ts';

const board = (extra: Record<string, unknown> = {}, actions: Record<string, unknown> = {}): Device => {
  const profile = validateProfile(
    {
      name: 'ACME-7 board',
      actions: {
        reset: { send: 'r' },
        configure: { send: 'c' },
        connect: { send: 'x' },
        disconnect: { send: 'd' },
        ...actions,
      },
      ...extra,
    },
    'acme.yaml',
  );
  return { id: 'ACME-7', profile, has: (a: string) => profile.actions[a] !== undefined } as unknown as Device;
};

test('needs: from tags and from the steps a scenario uses', () => {
  const needs = needsOf(
    ['@needs:event', '@transport:wss', '@needs:children', '@qos'],
    [
      'the device is set up for the broker over mqtts',
      'the device adds the child "{serial}-c1"',
      'an operation c8y_Restart is created for "{serial}"',
      'the device connects',
    ],
  );
  assert.deepEqual(needs, [
    { kind: 'action', action: 'event' },
    { kind: 'transport', transport: 'wss' },
    { kind: 'action', action: 'addChild' },
    { kind: 'transport', transport: 'mqtts' },
    { kind: 'action', action: 'addChild' },
    { kind: 'operation', fragment: 'c8y_Restart' },
  ]);
});

test('a device lacking a need gives the reason, naming itself, the missing thing and its profile', () => {
  const d = board({ capabilities: { transports: ['mqtt'], operations: ['c8y_Restart'] } });
  assert.equal(
    missingNeed(d, needsOf(['@transport:wss'], []))?.reason,
    'ACME-7 (ACME-7 board) has no wss transport (its profile acme.yaml does not offer it)',
  );
  assert.equal(
    missingNeed(d, needsOf([], ['the device adds the child "x"']))?.reason,
    'ACME-7 (ACME-7 board) has no children (its profile acme.yaml does not offer it)',
  );
  assert.equal(
    missingNeed(d, needsOf([], ['an operation c8y_Command is created for "x"']))?.reason,
    'ACME-7 (ACME-7 board) does not support c8y_Command (capabilities.operations in acme.yaml)',
  );
  assert.equal(
    missingNeed(d, needsOf(['@needs:certificates'], []))?.reason,
    'ACME-7 (ACME-7 board) has no certificate login (its profile acme.yaml does not offer it)',
  );
  assert.equal(
    missingNeed(d, needsOf(['@transport:mqtt'], ['an operation c8y_Restart is created for "x"'])),
    undefined,
  );
});

test('a device with the action, every transport by default and no operation list has every need', () => {
  const d = board({}, { event: { send: 'e' }, addChild: { send: 'a' } });
  const needs = needsOf(
    ['@needs:event', '@transport:wss', '@needs:children'],
    ['an operation c8y_Anything is created for "x"'],
  );
  assert.equal(missingNeed(d, needs), undefined);
  assert.equal(
    missingNeed(d, needsOf(['@needs:linkControl'], ['the device loses its link'])),
    undefined,
    'the broker can drop any link',
  );
});

test('needs: several operations at once need the device to support their fragment', () => {
  assert.deepEqual(needsOf([], ['5 operations c8y_Command are created for "{serial}"']), [
    { kind: 'operation', fragment: 'c8y_Command' },
  ]);
});
