// A fleet of emulated devices on a real broker and platform: every device registers, the fleet
// sends measurements at its rate, an operation for one of them is answered, and stop disconnects
// them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C8yBroker } from '../broker/broker.ts';
import { Platform } from '../broker/platform/platform.ts';
import { Fleet } from './fleet.ts';
import { Firmware } from './firmware.ts';

test('a fleet of 40: all registered, measurements at the rate, an operation answered, all gone at stop', async () => {
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'u', password: 'p' }],
    ports: { mqtts: null, ws: null, wss: null },
  });
  const platform = new Platform(broker);
  const settings = { ...Firmware.defaults('x'), port: broker.ports.mqtt!, tenant: 't1', user: 'u', password: 'p' };
  const fleet = new Fleet({ size: 40, settings, prefix: 'FL-', rate: 5, concurrency: 10 });
  try {
    const started = await fleet.start();
    assert.deepEqual([started.connected, started.failed], [40, 0]);
    assert.equal(platform.inventory.all().length, 40, 'each device registered');
    const op = await platform.createOperation({ device: 'FL-7', fragment: 'c8y_Restart' });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(platform.operations.get(op.id)?.status, 'SUCCESSFUL');
    const s = fleet.stats();
    assert.equal(s.operations, 1);
    assert.ok(s.measurements >= 150 && s.measurements <= 260, `about 40 × 5 a second for a second: ${s.measurements}`);
    await new Promise((r) => setTimeout(r, 100));
    const measured = broker.record.select({ kind: 'platform' }).filter((e) => e.change === 'measurement');
    assert.ok(measured.length >= s.measurements - 40, `the platform got them: ${measured.length}`);
  } finally {
    await fleet.stop();
    assert.equal(fleet.stats().connected, 0);
    await broker.close();
  }
  assert.throws(
    () => new Fleet({ size: 0, settings: Firmware.defaults('x'), prefix: 'F', rate: 1 }),
    /1 device or more/,
  );
});
