// Listeners for the four endpoints of SPEC section 1. Each hands accepted streams to onStream.
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Transport } from './options.ts';
import type { TlsMaterial } from './tls.ts';

export type StreamHandler = (stream: Duplex, transport: Transport, remote: string, req?: http.IncomingMessage) => void;
export type TransportProblem = (transport: Transport, problem: string, remote?: string) => void;

export interface Listener { transport: Transport; port: number; close(): Promise<void> }

type Pieces = { chunk: Buffer | string; encoding: BufferEncoding }[];

/**
 * ws' stream sends each write as its own WebSocket message and takes the next only when the socket
 * has written the last: mqtt-packet writes a packet in pieces under a cork, so a CONNACK went as four
 * one-byte messages, and with writes held to the turn's end (coalesce-writes.ts) the last three of a
 * refusal's were still waiting over wss when aedes closed the stream. What was written under a
 * cork goes as one message.
 */
export function oneMessagePerWrite(stream: Duplex): Duplex {
  const s = stream as Duplex & {
    _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void;
    _writev?(chunks: Pieces, cb: (err?: Error | null) => void): void;
  };
  const write = s._write; // its own, not a wrapper added later (the record's tap wraps both)
  s._writev = (chunks, cb) =>
    write.call(
      s,
      Buffer.concat(chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk))),
      'buffer' as BufferEncoding,
      cb,
    );
  return stream;
}

/**
 * clientCas: the CAs device certificates must chain to. The TLS port asks every client for a
 * certificate but lets the handshake finish without one (or with a bad one): the broker decides at
 * CONNECT, so a certificate problem is CONNACK 5 rather than a torn handshake (SPEC 10). WebSocket
 * ports never ask for one.
 */
export async function listen(transport: Transport, host: string, port: number, material: TlsMaterial | undefined,
  onStream: StreamHandler, onProblem: TransportProblem, clientCas: string[] = []): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => { sockets.add(s); s.once('close', () => sockets.delete(s)); };
  const remoteOf = (s: net.Socket) => `${s.remoteAddress}:${s.remotePort}`;
  let server: net.Server;
  let wss: WebSocketServer | undefined;

  if (transport === 'mqtt') {
    server = net.createServer((s) => { track(s); s.setNoDelay(true); onStream(s, transport, remoteOf(s)); });
  } else if (transport === 'mqtts') {
    const certs = clientCas.length > 0 ? { requestCert: true, rejectUnauthorized: false, ca: clientCas } : {};
    const t = tls.createServer({ key: material!.key, cert: material!.cert, ...certs }, (s) => { track(s); s.setNoDelay(true); onStream(s, transport, remoteOf(s)); });
    t.on('tlsClientError', (err, s) => { onProblem(transport, `TLS handshake failed: ${err.message}`, remoteOf(s)); s.destroy(); });
    server = t;
  } else {
    const web = transport === 'ws'
      ? http.createServer()
      : https.createServer({ key: material!.key, cert: material!.cert });
    web.on('connection', (s: net.Socket) => track(s));
    if (transport === 'wss') {
      web.on('tlsClientError', (err: Error, s: net.Socket) => { onProblem(transport, `TLS handshake failed: ${err.message}`, remoteOf(s)); s.destroy(); });
    }
    web.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('MQTT over WebSocket is served on the path /mqtt\n');
    });
    wss = new WebSocketServer({ server: web, path: '/mqtt', perMessageDeflate: false });
    wss.on('connection', (ws, req) => {
      const stream = oneMessagePerWrite(createWebSocketStream(ws));
      onStream(stream, transport, remoteOf(req.socket), req);
    });
    wss.on('wsClientError', (err, s) => { onProblem(transport, `WebSocket upgrade refused: ${err.message}`, remoteOf(s as net.Socket)); });
    server = web;
  }
  server.on('error', (err) => onProblem(transport, `listener error: ${err.message}`));

  const bound = await new Promise<number>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new Error(`port ${port} on ${host} is already in use (${transport})`)
      : new Error(`cannot listen on ${host}:${port} (${transport}): ${err.message}`));
    server.once('error', fail);
    server.listen(port, host, () => { server.off('error', fail); resolve((server.address() as net.AddressInfo).port); });
  });

  return {
    transport,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      wss?.close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
