// The broker's HTTP API with a real device connected: devices, operations, the record, and bad requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { C8yBroker } from './broker.ts';
import { connected, Inbox } from './clients.ts';
import { startApi, type ApiServer } from './http-api.ts';
import { Platform } from './platform/platform.ts';

let broker: C8yBroker;
let api: ApiServer;
let inbox: Inbox;
let base: string;
const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

before(async () => {
  broker = await C8yBroker.start({
    credentials: [{ tenant: 't', user: 'u', password: 'p' }],
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
  });
  const platform = new Platform(broker);
  api = await startApi(broker, platform, '127.0.0.1', 0, { token: TOKEN });
  base = `http://127.0.0.1:${api.port}`;
  const c = await connected({ ports: broker.ports }, 'mqtt', { clientId: 'd:API1', username: 't/u', password: 'p' });
  inbox = new Inbox(c);
  await c.publishAsync(
    's/us',
    '100,Api device\n101,API1-child\n110,S1,M1,R1\n114,c8y_Command\n211,22\n302,c8y_Hot,too hot\n400,c8y_Boot,booted',
    { qos: 2 },
  );
  await c.subscribeAsync('s/ds', { qos: 1 });
});
after(async () => {
  inbox.client.end(true);
  await api.close();
  await broker.close();
});

const get = async (path: string) => {
  const r = await fetch(base + path, { headers: AUTH });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const post = async (path: string, body: string) => {
  const r = await fetch(base + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...AUTH },
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

test('GET /devices and /devices/{externalId} show the device with its children and data', async () => {
  const all = await get('/devices');
  assert.deepEqual((all.body.devices as { externalId: string }[]).map((d) => d.externalId).sort(), [
    'API1',
    'API1-child',
  ]);
  const one = await get('/devices/API1');
  assert.equal(one.status, 200);
  assert.equal(one.body.name, 'Api device');
  assert.deepEqual(one.body.children, ['API1-child']);
  const fragments = one.body.fragments as Record<string, unknown>;
  assert.deepEqual(fragments.c8y_Hardware, { serialNumber: 'S1', model: 'M1', revision: 'R1' });
  assert.deepEqual(fragments.c8y_SupportedOperations, ['c8y_Command']);
  assert.equal((one.body.measurements as Record<string, { value: number }>)['c8y_TemperatureMeasurement.T']!.value, 22);
  assert.deepEqual(
    (one.body.activeAlarms as { type: string; severity: string }[]).map((a) => [a.type, a.severity]),
    [['c8y_Hot', 'MAJOR']],
  );
  assert.equal((one.body.events as { type: string }[])[0]!.type, 'c8y_Boot');
  assert.equal((await get('/devices/nobody')).status, 404);
});

test('POST /operations by fragment and by template, then GET /operations/{id} and ?device=', async () => {
  const a = await post('/operations', JSON.stringify({ device: 'API1', fragment: 'c8y_Command', params: ['ls -l'] }));
  assert.equal(a.status, 201);
  assert.equal(a.body.status, 'PENDING');
  assert.equal(await inbox.next('s/ds'), '511,API1,ls -l');
  const b = await post('/operations', JSON.stringify({ device: 'API1-child', template: 510, params: [] }));
  assert.equal(await inbox.next('s/ds'), '510,API1-child');
  await inbox.client.publishAsync('s/us', '501,c8y_Command', { qos: 2 });
  const op = await get(`/operations/${a.body.id}`);
  assert.equal(op.body.status, 'EXECUTING');
  assert.deepEqual(
    (op.body.history as { status: string }[]).map((h) => h.status),
    ['PENDING', 'EXECUTING'],
  );
  const list = await get('/operations?device=API1-child');
  assert.deepEqual(
    (list.body.operations as { id: string }[]).map((o) => o.id),
    [b.body.id],
  );
  assert.equal((await get('/operations/12345')).status, 404);
});

test('GET /record streams NDJSON, filtered by device, topic and packet type', async () => {
  const r = await fetch(`${base}/record?device=API1&type=publish&topic=s/us`, { headers: AUTH });
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await r.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2);
  assert.ok(lines.every((e) => e.type === 'publish' && e.packet.topic === 's/us' && e.clientId === 'd:API1'));
  const platformOnly = (await (await fetch(`${base}/record?device=API1-child`, { headers: AUTH })).text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(platformOnly.some((e) => e.kind === 'platform' && e.change === 'child-created'));
  assert.ok(platformOnly.every((e) => e.deviceId === 'API1-child' || e.rootId === 'API1-child'));
});

test('bad requests get a 4xx with a JSON reason, and the broker keeps serving', async () => {
  const cases: [string, string, number, RegExp][] = [
    ['/operations', '{not json', 400, /not valid JSON/],
    ['/operations', '[1,2]', 400, /JSON object/],
    ['/operations', JSON.stringify({ device: 'API1' }), 400, /fragment/],
    ['/operations', JSON.stringify({ device: 'ghost', fragment: 'c8y_Restart' }), 404, /no device/],
    ['/operations', JSON.stringify({ device: 'API1', template: 999 }), 400, /no downstream static template 999/],
    ['/operations', JSON.stringify({ device: 'API1', fragment: 'c8y_Firmware', params: ['only one'] }), 400, /takes 3/],
    [
      '/operations',
      JSON.stringify({ device: 'API1', fragment: 'c8y_Command', params: [{ nested: true }] }),
      400,
      /list of strings/,
    ],
    ['/nowhere', '{}', 404, /no endpoint POST \/nowhere/],
  ];
  for (const [path, body, status, reason] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, status, `${body} → ${status}`);
    assert.match(String(r.body.error), reason);
  }
  assert.equal((await post('/operations', 'x'.repeat(2 << 20)).catch(() => ({ status: 413 }))).status, 413);
  // a half-sent request and garbage on the socket do not hurt either
  await new Promise<void>((resolve) => {
    const s = net.connect(api.port, '127.0.0.1', () => {
      s.end('GARBAGE\r\n\r\n');
    });
    s.resume(); // read the answer, or the socket never sees its end
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
  assert.equal((await get('/health')).body.ok, true);
  await inbox.client.publishAsync('s/us', '211,23', { qos: 2 });
  assert.equal(
    ((await get('/devices/API1')).body.measurements as Record<string, { value: number }>)[
      'c8y_TemperatureMeasurement.T'
    ]!.value,
    23,
  );
});

test('POST /operations takes every documented template (517 included) and the operation as JSON', async () => {
  const a = await post('/operations', JSON.stringify({ device: 'API1', template: 517, params: ['LOGA'] }));
  assert.equal(a.status, 201);
  const b = await post(
    '/operations',
    JSON.stringify({
      device: 'API1',
      operation: { c8y_RemoteAccessConnect: { hostname: 'h', port: '22', connectionKey: 'k' } },
    }),
  );
  assert.equal(b.status, 201);
  assert.equal((await get(`/operations/${b.body.id}`)).body.templateId, 530);
  assert.match(
    String((await post('/operations', JSON.stringify({ device: 'API1', template: 512 }))).body.error),
    /no downstream static template 512 for operations; known: 510, 511/,
  );
});

/** a raw request, so the Host header is the test's to choose */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: api.port, method, path, headers, setHost: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('only its owner drives the API: token, JSON bodies, its own Host, no foreign Origin', async () => {
  const host = `127.0.0.1:${api.port}`;
  const op = JSON.stringify({ device: 'API1', fragment: 'c8y_Command', params: ['rm -rf /'] });
  const json = { 'content-type': 'application/json', host };
  const before = (await get('/operations')).body.operations as unknown[];
  assert.equal(await raw('POST', '/operations', json, op), 401, 'no token');
  assert.equal(
    await raw('POST', '/operations', { ...json, authorization: 'Bearer wrong-token-0123456789ab' }, op),
    401,
  );
  assert.equal(await raw('GET', '/record', { host }), 401, 'the record needs the token too');
  assert.equal(await raw('POST', '/operations', { ...json, ...AUTH, 'content-type': 'text/plain' }, op), 415);
  assert.equal(await raw('POST', '/operations', { ...json, ...AUTH, origin: 'http://evil.example' }, op), 403);
  assert.equal(await raw('POST', '/operations', { ...json, ...AUTH, origin: 'null' }, op), 403);
  assert.equal(await raw('GET', '/devices', { ...AUTH, host: `evil.example:${api.port}` }), 403, 'DNS rebinding');
  assert.equal(await raw('GET', '/devices', { ...AUTH, host: '127.0.0.1:1' }), 403, 'another port');
  const after = (await get('/operations')).body.operations as unknown[];
  assert.equal(after.length, before.length, 'nothing refused was created');
  assert.equal(await raw('POST', '/operations', { ...json, ...AUTH, origin: `http://${host}` }, op), 201);
  assert.equal(await raw('GET', '/devices', { ...AUTH, host: `localhost:${api.port}` }), 200);
});
