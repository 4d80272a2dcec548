// A process that opens COUNT plain MQTT connections to a broker and holds them until SIGTERM:
// several of them together stay under the per-process limit of open files.
// argv: port count clientIdPrefix ; prints {"held": n, "ms": t} once every CONNACK is in.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

const [port, count, prefix] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const BATCH = 200;
const sockets: net.Socket[] = [];

function connect(clientId: string): Promise<net.Socket> {
  const packet = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    clientId,
    username: 't1/bench',
    password: Buffer.from('pw'),
  } as mqttPacket.Packet);
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', reject);
    s.once('data', (d) => (d[0] === 0x20 && d[3] === 0 ? resolve(s) : reject(new Error(`${clientId}: refused`))));
    s.write(packet);
  });
}

const t0 = performance.now();
for (let i = 0; i < count; i += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => connect(`${prefix}${i + k}`));
  sockets.push(...(await Promise.all(batch)));
}
process.stdout.write(JSON.stringify({ held: sockets.length, ms: performance.now() - t0 }) + '\n');
process.once('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
