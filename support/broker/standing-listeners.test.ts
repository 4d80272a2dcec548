// A lab with fixed ports: the listeners stay up for the whole run, each scenario gets a broker,
// record and platform of its own, and a device that reconnects between two scenarios is served
// by the next one instead of being refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { closeStandingListeners, Lab } from '../lab.ts';
import { StandingListeners } from './standing-listeners.ts';
import { C8yBroker } from './broker.ts';
import { freePort } from '../devices/ser2net.ts';
import { connectClient } from './clients.ts';
import type { EventFilter } from '../record/query.ts';


type Emitter = { once(event: string, listener: (...a: unknown[]) => void): unknown };
const once = (emitter: Emitter, event: string) => new Promise<unknown>((r) => emitter.once(event, (...a) => r(a[0])));
const created: EventFilter = { kind: 'platform', where: (e) => e.change === 'device-created' };

test('fixed ports: one listener a run, a fresh record and platform per scenario, no refusal between', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-standing-'));
  const port = await freePort();
  const settings = { ports: { mqtt: port } };
  const refusals: string[] = [];
  let client: mqtt.MqttClient | undefined;
  try {
    const first = await Lab.start({ recordDir: dir, name: 'first', settings });
    assert.equal(first.broker.ports.mqtt, port);
    client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId: 'BOARD-1',
      username: `${first.login.tenant}/${first.login.user}`,
      password: first.login.password,
      reconnectPeriod: 50,
    });
    client.on('error', (err) => refusals.push(err.message));
    await once(client, 'connect');
    await client.publishAsync('s/us', '100,Board,c8y_Board');
    await first.record.eventually(created, 2000);
    const offline = once(client, 'offline');
    await first.close();

    // the board reconnects at once, while no scenario runs: it waits, then the next scenario has it
    await offline;
    const reconnected = once(client, 'connect');
    await new Promise((r) => setTimeout(r, 200));
    const second = await Lab.start({ recordDir: dir, name: 'second', settings });
    assert.equal(second.broker.ports.mqtt, port);
    await reconnected;
    await second.record.eventually({ kind: 'packet', type: 'connack', dir: 'out' }, 2000);
    assert.equal(second.platform.inventory.get('BOARD-1'), undefined, 'the second scenario starts on a clean platform');
    await client.publishAsync('s/us', '200,c8y_Temperature,T,21');
    await second.record.eventually(created, 2000);
    await second.close();

    const firstRecord = readFileSync(join(dir, 'first.jsonl'), 'utf8');
    const secondRecord = readFileSync(join(dir, 'second.jsonl'), 'utf8');
    assert.match(firstRecord, /100,Board,c8y_Board/);
    assert.doesNotMatch(firstRecord, /c8y_Temperature/);
    assert.match(secondRecord, /c8y_Temperature/);
    assert.doesNotMatch(secondRecord, /100,Board/);
    assert.match(firstRecord.trim().split('\n').at(-1)!, /"closed"/, 'the first record was closed');
    assert.deepEqual(refusals, [], 'the port never refused the board');
  } finally {
    client?.end(true);
    await closeStandingListeners();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('standing listeners: one broker at a time; a connection nobody takes is closed after holdMs', async () => {
  const standing = await StandingListeners.open({
    host: '127.0.0.1',
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
    clientCas: [],
    holdMs: 100,
  });
  try {
    const broker = await C8yBroker.start({ standing, credentials: [{ tenant: 't', user: 'u', password: 'p' }] });
    await assert.rejects(C8yBroker.start({ standing }), /already serve a broker/);
    await broker.close();
    const socket = net.connect(standing.ports.mqtt!, '127.0.0.1');
    await once(socket, 'connect');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(standing.waiting, 1);
    await once(socket, 'close');
    assert.equal(standing.waiting, 0);
    const later = await C8yBroker.start({ standing, credentials: [{ tenant: 't', user: 'u', password: 'p' }] });
    const c = await connectClient({ ports: later.ports }, 'mqtt', {
      clientId: 'X',
      username: 't/u',
      password: 'p',
      reconnectPeriod: 0,
    });
    assert.equal(c.returnCode, 0);
    c.client.end(true);
    await later.close();
  } finally {
    await standing.close();
  }
});
