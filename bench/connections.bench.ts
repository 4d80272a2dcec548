// Connections held: BENCH_CONNECTIONS devices (default 10,000) connect to each broker in turn and
// stay connected: the recording c8y-hil broker, bare aedes, and mosquitto when it is installed.
// For each: connections a second while they connect, and the broker's memory (RSS) per connection
// once they all hold. The clients are a fleet of emulated devices (c8y-hil emulate --fleet) for
// the c8y-hil broker, plain CONNECTs for all (the other brokers know no SmartREST). Prints a table
// and writes reports/bench/connections.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { mosquitto, nodeBroker, type Server, rssMiB } from './lib/brokers.ts';
import { Fleet } from '../support/emulator/fleet.ts';
import { Firmware } from '../support/emulator/firmware.ts';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const BATCH = 100;
const out = join(here, '..', 'reports', 'bench', 'connections.json');
const tmp = mkdtempSync(join(tmpdir(), 'c8y-hil-bench-conn-'));

/** N plain CONNECTs, a batch at a time; resolves with the clients when all are connected */
async function plainClients(port: number): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < N; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: `BENCH-${i + k}`,
        username: 't1/bench',
        password: 'pw',
        reconnectPeriod: 0,
        keepalive: 600,
      }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

interface Row {
  broker: string;
  clients: string;
  connected: number;
  perSecond: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  kibPerConnection: number;
}

async function measure(name: string, server: Server, clients: 'plain' | 'fleet'): Promise<Row> {
  await new Promise((r) => setTimeout(r, 500));
  const before = rssMiB(server.pid);
  const t0 = performance.now();
  let connected: number;
  let stop: () => Promise<void>;
  if (clients === 'fleet') {
    const settings = {
      ...Firmware.defaults('x'),
      port: server.port,
      tenant: 't1',
      user: 'bench',
      password: 'pw',
      keepalive: 600,
    };
    const fleet = new Fleet({ size: N, settings, prefix: 'BENCH-', rate: 0, concurrency: BATCH });
    connected = (await fleet.start()).connected;
    stop = () => fleet.stop();
  } else {
    const cs = await plainClients(server.port);
    connected = cs.length;
    stop = async () => void (await Promise.all(cs.map((c) => c.endAsync(true))));
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssMiB(server.pid);
  await stop();
  await server.stop();
  return {
    broker: name,
    clients,
    connected,
    perSecond: Math.round(connected / seconds),
    rssBeforeMiB: Math.round(before),
    rssAfterMiB: Math.round(after),
    kibPerConnection: Math.round(((after - before) * 1024) / Math.max(1, connected)),
  };
}

const rows: Row[] = [];
rows.push(
  await measure('c8y-hil, recording', await nodeBroker('c8y-recording', join(tmp, 'rec-plain.jsonl')), 'plain'),
);
rows.push(await measure('aedes', await nodeBroker('aedes'), 'plain'));
const mosq = await mosquitto(tmp);
if (mosq) rows.push(await measure('mosquitto', mosq, 'plain'));
rows.push(
  await measure('c8y-hil, recording', await nodeBroker('c8y-recording', join(tmp, 'rec-fleet.jsonl')), 'fleet'),
);
console.table(rows);
if (!mosq) console.log('mosquitto is not installed (apt-get install mosquitto): its row is missing');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ connections: N, rows, at: new Date().toISOString() }, null, 2) + '\n');
console.log(`written: ${out}`);
process.exit(0);
