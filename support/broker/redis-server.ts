// A real redis-server (Debian's package) on loopback, for sessions that outlive a broker restart:
// started by the tests and the lab when no Redis is named, stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../devices/ser2net.ts';
import { stopProcess } from '../devices/emulated.ts';

export function redisMissing(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'redis-server is not installed, so no session can outlive a broker restart: ' +
        'apt-get install -y --no-install-recommends redis-server (npm run setup does)';
}

export interface RedisServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** redis-server on 127.0.0.1, no persistence to disk (the test's sessions need only outlive the broker) */
export async function startRedis(dir: string): Promise<RedisServer> {
  const missing = redisMissing();
  if (missing) throw new Error(missing);
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start on port ${port}: ${out.slice(-500)}`)),
      10_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}: ${out.slice(-500)}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { url: `redis://127.0.0.1:${port}`, process: child, stop: () => stopProcess(child) };
}
