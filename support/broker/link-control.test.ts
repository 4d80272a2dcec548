// Link control from the broker's side (for devices without console link actions): the device's
// connection is dropped without a DISCONNECT, its reconnects get CONNACK 3 until it is let back,
// and each of these is a decision in the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C8yBroker } from './broker.ts';
import { connectClient } from './clients.ts';

test('dropDevice closes the link, refuses reconnects with CONNACK 3 until allowReconnects; all recorded', async () => {
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'u', password: 'p' }],
    ports: { mqtts: null, ws: null, wss: null },
  });
  const opts = { clientId: 'LINK-1', username: 't1/u', password: 'p', reconnectPeriod: 0 };
  try {
    const first = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    assert.equal(first.returnCode, 0);
    const closed = new Promise<void>((r) => first.client.once('close', () => r()));
    broker.dropDevice('LINK-1', { refuseReconnects: true });
    await closed;
    const refused = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    assert.equal(refused.returnCode, 3);
    refused.client.end(true);
    broker.allowReconnects('LINK-1');
    const back = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    assert.equal(back.returnCode, 0);
    back.client.end(true);
    await new Promise((r) => setTimeout(r, 50));
    const decisions = broker.record.select({ kind: 'decision' }).map((e) => e.decision);
    assert.deepEqual(
      decisions.filter((d) => /link|reconnect/.test(String(d))),
      ['link-dropped', 'reconnect-refused', 'reconnects-allowed'],
    );
    const disconnects = broker.record.select({ kind: 'packet', type: 'disconnect' });
    assert.equal(disconnects.length, 0, 'the drop sends no DISCONNECT');
  } finally {
    await broker.close();
  }
});

test('dropDevice with refuseForMs lets the device back by itself after that time', async () => {
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'u', password: 'p' }],
    ports: { mqtts: null, ws: null, wss: null },
  });
  const opts = { clientId: 'LINK-2', username: 't1/u', password: 'p', reconnectPeriod: 0 };
  try {
    const first = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    broker.dropDevice('LINK-2', { refuseForMs: 300 });
    first.client.end(true);
    const refused = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    assert.equal(refused.returnCode, 3);
    refused.client.end(true);
    await new Promise((r) => setTimeout(r, 400));
    const back = await connectClient({ ports: broker.ports }, 'mqtt', opts);
    assert.equal(back.returnCode, 0);
    back.client.end(true);
    const reasons = broker.record.select({ kind: 'decision' }).filter((e) => /link|reconnect/.test(String(e.decision)));
    assert.deepEqual(
      reasons.map((e) => e.decision),
      ['link-dropped', 'reconnect-refused', 'reconnects-allowed'],
    );
    assert.match(String(reasons[0]!.reason), /refuses its reconnects for 300 ms/);
  } finally {
    await broker.close();
  }
});
