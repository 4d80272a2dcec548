// A broker restart through the lab: the same ports, record and platform afterwards; sessions kept
// in a real redis-server come back (session present, a message queued while the device was away
// delivered), sessions in memory are lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, stopLabRedis } from '../lab.ts';
import { RawClient } from './clients.ts';
import { redisMissing } from './redis-server.ts';

async function persistentDevice(lab: Lab, id: string): Promise<RawClient> {
  const c = await RawClient.open({ ports: lab.broker.ports });
  const { tenant, user, password } = lab.login;
  const ack = await c.connect({ clientId: id, username: `${tenant}/${user}`, password, clean: false });
  assert.equal(ack.returnCode, 0);
  return c;
}

const HOW = {
  kept: 'with sessions in Redis: the session and its queued operation come back',
  lost: 'in memory: the session is lost',
};

for (const kept of [true, false]) {
  test(`restart ${kept ? HOW.kept : HOW.lost}`, { skip: kept ? redisMissing() : undefined }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-restart-'));
    const lab = await Lab.start({ recordDir: dir, name: 'restart' });
    try {
      if (kept) await lab.keepSessionsInRedis();
      const id = `RESTART-${kept ? 'K' : 'L'}`;
      const c = await persistentDevice(lab, id);
      c.send({
        cmd: 'publish',
        topic: 's/us',
        payload: '100,Dev,t',
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      });
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 's/ds', qos: 1 }] });
      await c.next((p) => p.cmd === 'suback');
      const ports = { ...lab.broker.ports };
      await lab.restartBroker({ downMs: 100, keepSessions: kept });
      assert.deepEqual(lab.broker.ports, ports, 'the same ports');
      await c.whenClosed();
      await lab.createOperation({ device: id, fragment: 'c8y_Restart' });
      const again = await persistentDevice(lab, id);
      const ack = lab.record.select({ kind: 'packet', type: 'connack', dir: 'out' }).at(-1)!;
      assert.equal((ack.packet as { sessionPresent: boolean }).sessionPresent, kept);
      if (kept) {
        const op = (await again.next((p) => p.cmd === 'publish')) as { payload: Buffer };
        assert.equal(op.payload.toString(), `510,${id}`, 'queued in Redis while the device was away');
      } else {
        await assert.rejects(again.next((p) => p.cmd === 'publish', 300));
      }
      assert.equal(lab.record.select({ kind: 'decision', decision: 'broker-restart' }).length, 1);
      again.close();
    } finally {
      await lab.close();
      await stopLabRedis();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
