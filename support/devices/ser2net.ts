// A real ser2net (Debian's package) serving a tty on loopback, for the tcp driver's tests and
// the lab fixtures: a board behind a terminal server, as on a lab host.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { stopProcess } from './emulated.ts';

/** ser2net's path: on PATH, or in /usr/sbin (Debian's, not on a normal user's PATH) */
function ser2netPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v ser2net'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  return existsSync('/usr/sbin/ser2net') ? '/usr/sbin/ser2net' : undefined;
}

export function ser2netMissing(): string | undefined {
  return ser2netPath()
    ? undefined
    : 'ser2net is not installed, so no console can be served over TCP: '
      + 'apt-get install -y --no-install-recommends ser2net';
}

/** a port nobody listens on now (ser2net takes a number, not 0) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface Ser2net {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** ser2net serving `tty` at `baud` on 127.0.0.1, raw or telnet; config in `dir` */
export async function startSer2net(opts: {
  tty: string;
  baud: number;
  protocol: 'raw' | 'telnet';
  dir: string;
  port?: number;
}): Promise<Ser2net> {
  const port = opts.port ?? (await freePort());
  const accepter = `${opts.protocol === 'telnet' ? 'telnet,' : ''}tcp,127.0.0.1,${port}`;
  const config = join(opts.dir, `ser2net-${port}.yaml`);
  writeFileSync(
    config,
    [
      'connection: &console',
      `  accepter: ${accepter}`,
      `  connector: serialdev,${opts.tty},${opts.baud}n81,local`,
      '  options:',
      '    kickolduser: true',
      '',
    ].join('\n'),
  );
  const child = spawn(ser2netPath() ?? 'ser2net', ['-n', '-c', config, '-P', join(opts.dir, `ser2net-${port}.pid`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 5000;
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`ser2net exited with code ${child.exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`ser2net did not listen on ${port} within 5 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, process: child, stop: () => stopProcess(child) };
}
