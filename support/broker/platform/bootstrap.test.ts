// SPEC 10 over real mqtt.js clients: the bootstrap flow on s/ucr and s/dcr, certificate login on
// the TLS port (and not over WebSocket), JWTs on s/uat and s/dat, and JSON via MQTT never refused.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { C8yBroker } from '../broker.ts';
import { connectClient, connected, Inbox } from '../clients.ts';
import { createCa, issueCertificate } from '../tls.ts';
import { Platform } from './platform.ts';
import { LOGIN, newId } from './test-bench.ts';

let broker: C8yBroker;
let platform: Platform;
const clients: { end(force: boolean): unknown }[] = [];
const ep = () => ({ ports: broker.ports, ca: broker.tls!.ca });

before(async () => {
  broker = await C8yBroker.start({
    credentials: [{ tenant: 't1', user: 'dev', password: 'pw' }],
    bootstrapPassword: 'boot-secret',
    ports: { mqtt: 0, mqtts: 0, ws: null, wss: 0 },
  });
  platform = new Platform(broker);
});
after(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
});

async function open(transport: 'mqtt' | 'mqtts' | 'wss', options: Parameters<typeof connectClient>[2]) {
  const outcome = await connectClient(ep(), transport, options);
  clients.push(outcome.client);
  return outcome;
}

describe('bootstrap', () => {
  test('nothing is answered until the registration is accepted; then 70 with credentials that log in', async () => {
    const id = newId('BOOT');
    const { client, returnCode } = await open('mqtt', {
      clientId: id,
      username: 'management/devicebootstrap',
      password: 'boot-secret',
    });
    assert.equal(returnCode, 0);
    const inbox = new Inbox(client);
    await client.subscribeAsync('s/dcr', { qos: 1 });
    await client.publishAsync('s/ucr', '', { qos: 1 });
    await client.publishAsync('s/ucr', '', { qos: 1 });
    await assert.rejects(
      inbox.next('s/dcr', () => true, 150),
      'no answer before acceptance',
    );
    assert.equal(platform.registrations.get(id)!.status, 'PENDING_ACCEPTANCE');
    platform.registrations.accept(id);
    await client.publishAsync('s/ucr', '', { qos: 1 });
    const [code, tenant, user, password] = (await inbox.next('s/dcr')).split(',');
    assert.deepEqual([code, tenant, user], ['70', 't1', `device_${id}`]);
    client.end(true);
    const device = await open('mqtt', { clientId: id, username: `${tenant}/${user}`, password: password! });
    assert.equal(device.returnCode, 0, 'the issued credentials log in');
    assert.equal(
      broker.record.select({ kind: 'decision', where: (e) => e.decision === 'credentials-issued' }).length,
      0,
      'the password is never recorded',
    );
    assert.ok(!JSON.stringify(broker.record.events()).includes(password!), 'the issued password is not in the record');
  });

  test('a bootstrap connection may only use s/ucr, s/dcr and s/e; a wrong bootstrap password is CONNACK 4', async () => {
    const id = newId('BOOT');
    const { client } = await open('mqtt', {
      clientId: id,
      username: 'management/devicebootstrap',
      password: 'boot-secret',
    });
    await assert.rejects(client.subscribeAsync('s/ds', { qos: 1 }), /Subscribe error/);
    assert.equal(
      broker.record.select({ decision: 'subscription-refused', where: (e) => e.deviceId === id })[0]!.topic,
      's/ds',
    );
    await client.publishAsync('s/us', '100', { qos: 1 });
    await broker.record.eventually({ decision: 'publish-refused', where: (e) => e.deviceId === id }, 2000);
    assert.equal(platform.inventory.has(id), false);
    const wrong = await open('mqtt', {
      clientId: newId('BOOT'),
      username: 'management/devicebootstrap',
      password: 'guess',
    });
    assert.equal(wrong.returnCode, 4);
  });

  test('with autoAcceptRegistrations the first poll is answered', async () => {
    const other = await C8yBroker.start({
      credentials: [],
      autoAcceptRegistrations: true,
      deviceTenant: 't9',
      ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
    });
    try {
      new Platform(other);
      const client = await connected({ ports: other.ports }, 'mqtt', {
        clientId: 'AUTO1',
        username: 'management/devicebootstrap',
        password: 'bootstrap',
      });
      const inbox = new Inbox(client);
      await client.subscribeAsync('s/dcr', { qos: 1 });
      await client.publishAsync('s/ucr', '', { qos: 1 });
      assert.match(await inbox.next('s/dcr'), /^70,t9,device_AUTO1,\S+$/);
      client.end(true);
    } finally {
      await other.close();
    }
  });
});

describe('certificates and tokens', () => {
  test('a certificate whose CN is the device identifier logs in without a password, and gets a JWT on s/dat', async () => {
    const id = newId('CERT');
    const { cert, key } = await broker.issueDeviceCertificate(id);
    const { client, returnCode } = await open('mqtts', { clientId: `d:${id}`, cert, key });
    assert.equal(returnCode, 0);
    const accepted = broker.record.select({ decision: 'connection-accepted', where: (e) => e.deviceId === id })[0]!;
    assert.equal(accepted.auth, 'certificate');
    const inbox = new Inbox(client);
    await client.subscribeAsync('s/dat', { qos: 1 });
    await client.publishAsync('s/uat', '', { qos: 1 });
    const [code, token] = (await inbox.next('s/dat')).split(',');
    assert.equal(code, '71');
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString('utf8')) as {
      sub: string;
      ten: string;
      exp: number;
    };
    assert.deepEqual([claims.sub, claims.ten], [`device_${id}`, 't1']);
    assert.ok(claims.exp > Date.now() / 1000);
  });

  test('the certificate counts over a password; a wrong CN or an untrusted CA is CONNACK 5', async () => {
    const id = newId('CERT');
    const mine = await broker.issueDeviceCertificate(id);
    assert.equal((await open('mqtts', { clientId: id, ...mine, username: 't1/dev', password: 'wrong' })).returnCode, 0);
    assert.equal(
      (await open('mqtts', { clientId: newId('CERT'), ...mine })).returnCode,
      5,
      'CN differs from the ClientId',
    );
    const stranger = await issueCertificate(await createCa('someone else'), 'client', id);
    assert.equal(
      (await open('mqtts', { clientId: id, ...stranger, ...LOGIN })).returnCode,
      5,
      'untrusted CA, even with a good password',
    );
    const refused = broker.record.select({ decision: 'certificate-refused' });
    assert.equal(refused.length, 2);
    assert.ok(refused.every((e) => e.rule === 'connect.certificate' && e.severity === 'violation'));
    assert.match(String(refused[0]!.reason), /CN/);
  });

  test('over WebSocket a certificate is not asked for: the device needs its password', async () => {
    const id = newId('CERT');
    const mine = await broker.issueDeviceCertificate(id);
    assert.equal((await open('wss', { clientId: id, ...mine })).returnCode, 5);
    assert.equal((await open('wss', { clientId: id, ...mine, ...LOGIN })).returnCode, 0);
  });

  test('a device that logged in with a password gets 41 on s/e for s/uat (a warning), never a token', async () => {
    const id = newId();
    const client = await connected(ep(), 'mqtt', { clientId: id, ...LOGIN });
    clients.push(client);
    const inbox = new Inbox(client);
    await client.subscribeAsync({ 's/dat': { qos: 1 }, 's/e': { qos: 0 } });
    await client.publishAsync('s/uat', '', { qos: 1 });
    assert.equal(
      await inbox.next('s/e'),
      '41,,Cannot publish token for device that do not use certificate authentication',
    );
    assert.deepEqual(inbox.on('s/dat'), []);
    const e = broker.record.select({ decision: 'smartrest-error', where: (x) => x.deviceId === id })[0]!;
    assert.deepEqual([e.rule, e.severity], ['jwt.password-device', 'warning']);
  });
});

test('JSON via MQTT is accepted and recorded with a warning, never refused', async () => {
  const id = newId();
  const client = await connected(ep(), 'mqtt', { clientId: id, ...LOGIN });
  clients.push(client);
  await client.publishAsync('s/us', '100', { qos: 1 });
  const granted = await client.subscribeAsync({ 'devicecontrol/notifications': { qos: 1 }, error: { qos: 1 } });
  assert.deepEqual(
    granted.map((g) => g.qos),
    [1, 1],
  );
  await client.publishAsync('event/events/create', '{"type":"TestEvent","text":"sensor was triggered"}', { qos: 1 });
  await client.publishAsync('inventory/managedObjects/update/' + id, '{"c8y_X":{}}', { qos: 1 });
  const warnings = broker.record.select({ decision: 'json-via-mqtt', where: (e) => e.deviceId === id });
  assert.equal(warnings.length, 4);
  assert.ok(warnings.every((w) => w.rule === 'topics.json-via-mqtt' && w.severity === 'warning'));
  assert.deepEqual(broker.record.select({ decision: 'publish-refused', where: (e) => e.deviceId === id }), []);
});
