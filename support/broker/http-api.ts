// The broker's small HTTP API (the platform endpoints come with the platform model).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { C8yBroker } from './broker.ts';

export interface ApiServer { port: number; close(): Promise<void> }

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

export async function startApi(broker: C8yBroker, host: string, port: number): Promise<ApiServer> {
  const server = http.createServer((req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true, ports: broker.ports, record: broker.record.path ?? null });
      send(res, 404, { error: `no endpoint ${req.method} ${url.pathname}` });
    } catch (err) {
      send(res, 500, { error: (err as Error).message });
    }
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (api)` : `cannot listen on ${host}:${port} (api): ${err.message}`)));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  return { port: bound, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
