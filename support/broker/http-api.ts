// The broker's HTTP API: devices, operations and the record, as JSON. A bad request gets a 4xx
// with a JSON body that says what is wrong; nothing a client sends can stop the broker. Only its
// owner drives it: a token on every request (401), JSON bodies only (415), and neither a foreign
// Host (DNS rebinding) nor a foreign Origin (a web page on the bench machine) gets through (403).
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { C8yBroker } from './broker.ts';
import { parseClientId } from './clientid.ts';
import { PlatformError } from './platform/operations.ts';
import type { Platform } from './platform/platform.ts';
import { topicMatches } from '../record/query.ts';
import type { RecordEvent } from '../record/events.ts';

export interface ApiServer {
  port: number;
  close(): Promise<void>;
}

export interface ApiAccess {
  /** the token every request must carry (Authorization: Bearer …); null: anyone may (--api-open) */
  token: string | null;
}

/** the Host names the API answers to: its own address, loopback, this machine; any IP when bound to all */
function hostAllowed(header: string | undefined, bind: string, port: number): boolean {
  if (!header) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (!m || Number(m[2] ?? 80) !== port) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  const own = new Set([bind.toLowerCase(), 'localhost', '127.0.0.1', '::1', hostname().toLowerCase()]);
  if (own.has(name)) return true;
  return (bind === '0.0.0.0' || bind === '::') && isIP(name) !== 0;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** why this request may not be served (status and text), or undefined */
function refusal(req: http.IncomingMessage, bind: string, port: number, access: ApiAccess): PlatformError | undefined {
  if (!hostAllowed(req.headers.host, bind, port))
    return new PlatformError(403, `the Host '${req.headers.host ?? ''}' is not this API's address (${bind}:${port})`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      /* not a URL: foreign */
    }
    if (!hostAllowed(host, bind, port))
      return new PlatformError(403, `requests from the origin '${origin}' are refused`);
  } else if (origin === 'null') return new PlatformError(403, "requests from the origin 'null' are refused");
  if (access.token !== null && !tokenMatches(req.headers.authorization, access.token))
    return new PlatformError(
      401,
      'give the API token: Authorization: Bearer <token> ' +
        '(the broker printed it as apiToken, and wrote it to apiTokenFile)',
    );
  if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return new PlatformError(415, `the body must be application/json, not '${req.headers['content-type'] ?? 'none'}'`);
  return undefined;
}

const MAX_BODY = 1 << 20;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new PlatformError(413, `the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch (err) {
        reject(new PlatformError(400, `the body is not valid JSON: ${(err as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

function deviceOf(e: RecordEvent): string[] {
  const ids: string[] = [];
  for (const k of ['deviceId', 'rootId'] as const) if (typeof e[k] === 'string') ids.push(e[k] as string);
  if (typeof e.clientId === 'string') {
    const p = parseClientId(e.clientId);
    if (p.ok) ids.push(p.value.deviceId);
  }
  return ids;
}

function recordFilter(q: URLSearchParams): (e: RecordEvent) => boolean {
  const device = q.get('device'),
    topic = q.get('topic'),
    type = q.get('type');
  return (e) => {
    if (device !== null && !deviceOf(e).includes(device)) return false;
    if (type !== null && e.type !== type) return false;
    if (topic !== null) {
      const t =
        (e.packet as { topic?: string } | undefined)?.topic ?? (typeof e.topic === 'string' ? e.topic : undefined);
      if (t === undefined || !topicMatches(topic, t)) return false;
    }
    return true;
  };
}

async function streamRecord(broker: C8yBroker, q: URLSearchParams, res: http.ServerResponse): Promise<void> {
  broker.record.sync();
  const keep = recordFilter(q);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const lines = createInterface({ input: createReadStream(broker.record.path) });
  for await (const line of lines) {
    if (line.length === 0) continue;
    if (keep(JSON.parse(line) as RecordEvent) && !res.write(line + '\n'))
      await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

/** the process's memory in MiB, for a soak or a person watching a long session */
function memoryMiB(): Record<string, number> {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external) };
}

async function route(
  broker: C8yBroker,
  platform: Platform | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (method === 'GET' && url.pathname === '/health')
    return send(res, 200, { ok: true, ports: broker.ports, record: broker.record.path, memory: memoryMiB() });
  if (method === 'GET' && url.pathname === '/record') return streamRecord(broker, url.searchParams, res);
  if (!platform) throw new PlatformError(404, `no endpoint ${method} ${url.pathname}`);
  if (parts[0] === 'devices' && method === 'GET') {
    if (parts.length === 1)
      return send(res, 200, { devices: platform.inventory.all().map((d) => platform.view(d.externalId)) });
    if (parts.length === 2) {
      const view = platform.view(parts[1]!);
      if (!view) throw new PlatformError(404, `no device with external id '${parts[1]}'`);
      return send(res, 200, view);
    }
  }
  if (parts[0] === 'operations') {
    if (method === 'POST' && parts.length === 1) {
      const body = await readJson(req);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new PlatformError(
          400,
          'the body must be a JSON object like {"device":"SN1","fragment":"c8y_Command","params":["ls"]} ' +
            'or {"device":"SN1","operation":{"c8y_Command":{"text":"ls"}}}',
        );
      }
      const op = await platform.createOperation(body as never);
      return send(res, 201, { id: op.id, status: op.status });
    }
    if (method === 'GET' && parts.length === 1)
      return send(res, 200, { operations: platform.operations.forDevice(url.searchParams.get('device') ?? undefined) });
    if (method === 'GET' && parts.length === 2) {
      const op = platform.operations.get(parts[1]!);
      if (!op) throw new PlatformError(404, `no operation with id '${parts[1]}'`);
      return send(res, 200, op);
    }
  }
  if (parts[0] === 'registrations') {
    if (method === 'GET' && parts.length === 1) return send(res, 200, { registrations: platform.registrations.list() });
    if (method === 'POST' && parts.length === 2) return send(res, 201, platform.registrations.register(parts[1]!));
    if (method === 'POST' && parts.length === 3 && parts[2] === 'accept')
      return send(res, 200, platform.registrations.accept(parts[1]!));
  }
  if (parts[0] === 'collections' && method === 'GET') {
    const view = (c: ReturnType<typeof platform.collections.list>[number]) => ({
      xid: c.xid,
      id: c.id,
      by: c.by,
      created: c.created,
      requests: [...c.definition.requests.values()],
      responses: c.definition.responses,
    });
    if (parts.length === 1) return send(res, 200, { collections: platform.collections.list().map(view) });
    const c = parts.length === 2 ? platform.collections.get(parts[1]!) : undefined;
    if (!c) throw new PlatformError(404, `no template collection '${parts[1]}'`);
    return send(res, 200, view(c));
  }
  throw new PlatformError(404, `no endpoint ${method} ${url.pathname}`);
}

export async function startApi(
  broker: C8yBroker,
  platform: Platform | undefined,
  host: string,
  port: number,
  access: ApiAccess,
): Promise<ApiServer> {
  let bound = port;
  const server = http.createServer((req, res) => {
    const refused = refusal(req, host, bound, access);
    const handled = refused ? Promise.reject(refused) : route(broker, platform, req, res);
    handled.catch((err: Error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof PlatformError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: err.message });
    });
  });
  // a request that is not HTTP gets a 400 and the connection closes, instead of waiting for a timeout
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    socket.destroy();
  });
  bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use (api)`
            : `cannot listen on ${host}:${port} (api): ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    port: bound,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
