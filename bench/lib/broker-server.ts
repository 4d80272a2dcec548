// A broker variant in its own process, so the load generator does not share its core.
// argv: aedes | c8y-plain | c8y-recording | c8y-recording-sync  [recordPath]
//       c8y-cluster recordPath redisUrl node   (one process of a cluster on Redis, recording)
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { Aedes } from 'aedes';
import { C8yBroker } from '../../support/broker/broker.ts';

const [variant, recordPath, redisUrl, node] = process.argv.slice(2);
const credentials = [{ tenant: 't1', user: 'bench', password: 'pw' }];
let port: number;
if (variant === 'aedes') {
  const aedes = await Aedes.createBroker();
  const server = net.createServer((s) => { s.setNoDelay(true); aedes.handle(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
} else {
  const broker = await C8yBroker.start({
    credentials, openTopics: true, recording: variant !== 'c8y-plain',
    recordSync: variant === 'c8y-recording-sync',
    ...(variant === 'c8y-cluster' ? { cluster: { url: redisUrl!, node: node! } } : {}),
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
    ...(recordPath ? { recordPath } : {}),
  });
  port = broker.ports.mqtt!;
  process.once('SIGTERM', () => {
    // how long the record writer needed, after the load, until every packet was on disk
    const t0 = performance.now();
    void broker.close().then(() => {
      const drainMs = performance.now() - t0;
      let lines = 0;
      if (recordPath) { const text = readFileSync(recordPath); for (const b of text) if (b === 10) lines++; }
      process.stdout.write(JSON.stringify({ drainMs, recordLines: lines }) + '\n', () => process.exit(0));
    });
  });
}
process.stdout.write(JSON.stringify({ port }) + '\n');
