// A QoS 1 PUBLISH sent again with DUP after the platform acted on it is recognised (same id, topic
// and payload), per device; one without DUP, another payload or QoS 0 is new; the list is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActedOn } from './resends.ts';

const p = (messageId: number, payload: string, extra: object = {}) => ({
  qos: 1,
  messageId,
  topic: 's/us',
  payload: Buffer.from(payload),
  ...extra,
});

test('a DUP resend of a message acted on is recognised; without DUP, changed, other device or QoS 0 it is new', () => {
  const a = new ActedOn();
  a.remember('D1', p(4, '501,c8y_Command'));
  assert.equal(a.isResend('D1', p(4, '501,c8y_Command', { dup: true })), true);
  assert.equal(a.isResend('D1', p(4, '501,c8y_Command')), false, 'no DUP: a new message');
  assert.equal(a.isResend('D1', p(4, '503,c8y_Command', { dup: true })), false, 'another payload');
  assert.equal(a.isResend('D1', p(5, '501,c8y_Command', { dup: true })), false, 'another id');
  assert.equal(a.isResend('D2', p(4, '501,c8y_Command', { dup: true })), false, 'another device');
  a.remember('D1', { qos: 0, topic: 's/us', payload: 'x' });
  assert.equal(a.isResend('D1', { qos: 0, topic: 's/us', payload: 'x', dup: true }), false, 'QoS 0 is never kept');
  a.forget('D1');
  assert.equal(a.isResend('D1', p(4, '501,c8y_Command', { dup: true })), false);
});

test('only the last 256 messages of a device are kept', () => {
  const a = new ActedOn();
  for (let i = 1; i <= 300; i++) a.remember('D1', p(i, `211,${i}`));
  assert.equal(a.isResend('D1', p(44, '211,44', { dup: true })), false);
  assert.equal(a.isResend('D1', p(45, '211,45', { dup: true })), true);
});
