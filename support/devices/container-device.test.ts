// The container driver with a real engine: the emulated device built into a local image and run
// on host networking; a container that exits early fails with its last log lines; clean-up
// removes the container. Without an engine these report themselves skipped, with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getContainerRuntimeClient } from 'testcontainers';
import { C8yBroker } from '../broker/broker.ts';
import { Platform } from '../broker/platform/platform.ts';
import { containerEngineMissing, startContainerDevice } from './container-device.ts';
import { EMULATED_PROFILE } from './emulated.ts';
import { loadProfile, validateProfile } from './profile.ts';

const skip = await containerEngineMissing();
let broker: C8yBroker;
let platform: Platform;

before(async () => {
  broker = await C8yBroker.start({ credentials: [{ tenant: 't', user: 'u', password: 'p' }], ports: { mqtt: 0, mqtts: null, ws: null, wss: null } });
  platform = new Platform(broker);
});
after(async () => { await broker.close(); });

test('the emulated device runs in a container on host networking, and is removed at the end', { skip }, async () => {
  const d = await startContainerDevice('CT-1', loadProfile(EMULATED_PROFILE), broker.record);
  const id = broker.record.select({ kind: 'device', where: (e) => e.action === 'container-started' })[0]!.container as string;
  try {
    await d.reset();
    await d.configure({ host: '127.0.0.1', port: broker.ports.mqtt!, transport: 'mqtt', tenant: 't', user: 'u', password: 'p' });
    await d.connect();
    const op = await platform.createOperation({ device: 'CT-1', fragment: 'c8y_Command', params: ['uname'] });
    const end = Date.now() + 5000;
    while (op.status !== 'SUCCESSFUL' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(op.status, 'SUCCESSFUL');
    assert.equal(broker.record.select({ kind: 'connection', action: 'open' })[0]!.remote?.toString().startsWith('127.0.0.1:'), true, 'the container reaches the broker on 127.0.0.1');
    assert.ok(broker.record.select({ kind: 'console', where: (e) => e.device === 'CT-1' && e.line === 'CONNECTED' }).length === 1, 'its console lines are in the record');
  } finally {
    await d.stop();
  }
  const client = await getContainerRuntimeClient();
  await assert.rejects(client.container.getById(id).inspect(), /no such container/i);
});

test('a container that exits early fails with its last log lines', { skip }, async () => {
  const base = loadProfile(EMULATED_PROFILE);
  const profile = validateProfile({
    name: 'exits early', container: { image: 'c8y-hil-emulator', command: ['--no-such-flag'] },
    actions: { ...Object.fromEntries(['reset', 'configure', 'connect', 'disconnect', 'publish', 'linkDown', 'linkUp'].map((a) => [a, { send: a, expect: '^OK' }])), ping: { send: 'ping', expect: '^PONG', timeout: '300ms' } },
  }, 'inline.yaml');
  assert.ok(base.container);
  await assert.rejects(startContainerDevice('CT-2', profile, broker.record), /CT-2: the container [0-9a-f]{12} exited with code 2; its last log lines: "c8y-hil emulate: Unknown option '--no-such-flag'/);
  assert.equal(broker.record.select({ kind: 'device', where: (e) => e.action === 'container-exited' }).length, 1);
});
