// The rate limiter on a hand-made clock: through within the limit, held over it (each message at
// its turn), disconnected when more wait than the queue holds, and again on the first message of
// the next connection while still over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceRate } from './rate-limit.ts';

test('rate: within the limit through; over it held at its turn; more waiting than the queue disconnects', () => {
  const r = new DeviceRate({ perSecond: 2, queue: 2 });
  assert.equal(r.decide(0, 3), 'pass');
  assert.equal(r.decide(10, 2), 'pass');
  assert.deepEqual(r.decide(20, 1), { holdMs: 980 }, 'the third waits for the first to be a second old');
  assert.deepEqual(r.decide(1000, 0), { holdMs: 10 }, 'the fourth for the second');
  const full = new DeviceRate({ perSecond: 2, queue: 2 });
  full.decide(0, 4);
  full.decide(0, 3);
  assert.equal(full.decide(0, 2), 'disconnect', 'three would wait: the queue holds two');
});

test('rate: after a disconnect, the first message of the next connection disconnects again while over', () => {
  const r = new DeviceRate({ perSecond: 2, queue: 0 });
  r.decide(0);
  r.decide(1);
  assert.equal(r.decide(2), 'disconnect');
  r.connected();
  assert.equal(r.decide(100), 'disconnect', 'still two within the last second');
  r.connected();
  assert.equal(r.decide(1500), 'pass', 'a second later it is under the limit again');
  assert.throws(() => new DeviceRate({ perSecond: 0, queue: 1 }), /1 or more/);
  assert.throws(() => new DeviceRate({ perSecond: 1, queue: -1 }), /0 messages or more/);
});

test('rate: messages still waiting their turn count in the queue, though none is behind the new one', () => {
  const r = new DeviceRate({ perSecond: 2, queue: 2 });
  r.decide(0);
  r.decide(10);
  assert.deepEqual(r.decide(20), { holdMs: 980 });
  assert.deepEqual(r.decide(30), { holdMs: 980 }, 'the queue holds two');
  assert.equal(r.decide(40), 'disconnect', 'a third would wait beside the two already waiting');
  const later = new DeviceRate({ perSecond: 2, queue: 1 });
  later.decide(0);
  later.decide(10);
  assert.deepEqual(later.decide(20), { holdMs: 980 });
  assert.deepEqual(later.decide(1001), { holdMs: 9 }, 'once the held one has gone through, there is room again');
});

test('rate: messages held on a connection that was cut never count against the next one', () => {
  const r = new DeviceRate({ perSecond: 2, queue: 1 });
  r.decide(0);
  r.decide(10);
  assert.deepEqual(r.decide(20), { holdMs: 980 });
  assert.equal(r.decide(30), 'disconnect');
  r.connected(600);
  assert.equal(r.decide(600), 'disconnect', 'the two delivered are still within the second');
  r.connected(1100);
  assert.equal(r.decide(1100), 'pass', 'the held one (turn at 1000) died with its connection');
  assert.equal(r.decide(1110), 'pass');
});
