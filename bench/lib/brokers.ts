// The brokers the benchmarks compare, each in its own process so the load does not share its
// core: the c8y-hil broker (recording or not), bare aedes, and mosquitto (Debian's package) when
// it is installed. Each is ended by its PID, even when the benchmark fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
  closing?: Promise<{ drainMs: number; recordLines: number } | undefined>;
}

/** a process's resident memory now, in MiB */
export const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// brokers this run started: ended by PID even when the run fails
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** a broker variant of bench/lib/broker-server.ts; `pid` for reading its memory */
export async function nodeBroker(variant: string, recordPath?: string, ...more: string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'broker-server.ts'), variant, ...(recordPath ? [recordPath] : []), ...more],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`${variant} broker exited with ${c}`)));
  });
  // the recording broker says, as it exits, how long its record took to complete
  const closing = new Promise<{ drainMs: number; recordLines: number } | undefined>((resolve) => {
    lines.once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', () => resolve(undefined));
  });
  return { port: JSON.parse(line).port, pid: child.pid!, stop: () => stopChild(child), closing };
}

/** mosquitto with its config in `tmp`; undefined when it is not installed */
export async function mosquitto(tmp: string): Promise<Server | undefined> {
  if (spawnSync('sh', ['-c', 'command -v mosquitto']).status !== 0) return undefined;
  const port = await freePort();
  const conf = join(tmp, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nlog_dest none\n`,
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return { port, pid: child.pid!, stop: () => stopChild(child) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  throw new Error('mosquitto did not start listening');
}
