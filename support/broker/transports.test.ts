// A WebSocket connection sends what the broker wrote together as one message, over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { oneMessagePerWrite } from './transports.ts';

async function messagesFor(wrap: boolean): Promise<Buffer[]> {
  const web = http.createServer();
  const wss = new WebSocketServer({ server: web });
  wss.on('connection', (ws) => {
    const raw = createWebSocketStream(ws);
    const stream = wrap ? oneMessagePerWrite(raw) : raw;
    stream.cork(); // as mqtt-packet writes a CONNACK: four pieces under a cork
    for (const b of [0x20, 0x02, 0x00, 0x05]) stream.write(Buffer.from([b]));
    process.nextTick(() => stream.uncork());
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  const got: Buffer[] = [];
  const client = new WebSocket(`ws://127.0.0.1:${(web.address() as AddressInfo).port}/`);
  await new Promise<void>((resolve, reject) => {
    client.on('message', (m: Buffer) => {
      got.push(m);
      if (Buffer.concat(got).length >= 4) resolve();
    });
    client.on('error', reject);
  });
  client.close();
  wss.close();
  await new Promise((r) => web.close(r));
  return got;
}

test('what is written under one cork goes as one WebSocket message; ws alone sends a message per piece', async () => {
  assert.deepEqual(await messagesFor(true), [Buffer.from([0x20, 0x02, 0x00, 0x05])]);
  assert.equal((await messagesFor(false)).length, 4);
});
