// A device that is a command (a Linux agent or gateway): its console is stdin and stdout, and it
// is stopped by its PID when the scenario ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError, LineConsole } from './console.ts';

export interface ProcessOptions { command: string; args: string[]; env: Record<string, string>; cwd?: string; newline: string }

export class ProcessConsole extends LineConsole {
  private exited: { code: number | null; signal: string | null } | undefined;

  private constructor(device: string, record: TrafficRecord | undefined, private readonly child: ChildProcess, private readonly opts: ProcessOptions) {
    super(device, record, `the process ${opts.command} (pid ${child.pid})`);
  }

  static start(device: string, record: TrafficRecord | undefined, opts: ProcessOptions): Promise<ProcessConsole> {
    return new Promise((resolve, reject) => {
      const child = spawn(opts.command, opts.args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      child.once('error', (err) => reject(new ConsoleError(`cannot start ${opts.command}: ${err.message}`)));
      child.once('spawn', () => {
        const c = new ProcessConsole(device, record, child, opts);
        record?.add('device', { device, action: 'process-started', command: opts.command, args: opts.args, pid: child.pid });
        createInterface({ input: child.stdout! }).on('line', (l) => c.receive(l));
        createInterface({ input: child.stderr! }).on('line', (l) => record?.add('console', { device, dir: 'stderr', line: l }));
        child.once('exit', (code, signal) => {
          c.exited = { code, signal };
          record?.add('device', { device, action: 'process-exited', pid: child.pid, code, signal });
          c.breakWith(new ConsoleError(`${device}: the process ${opts.command} (pid ${child.pid}) exited with ${signal ?? `code ${code}`}`));
        });
        resolve(c);
      });
    });
  }

  get pid(): number | undefined { return this.child.pid; }

  protected async write(line: string): Promise<void> {
    if (this.exited) throw new ConsoleError(`${this.device}: the process has exited`);
    await new Promise<void>((resolve, reject) => this.child.stdin!.write(line + this.opts.newline, (err) => (err ? reject(err) : resolve())));
  }

  /** end the process we started, by its PID: SIGTERM, then SIGKILL after 3 s */
  async close(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin?.end();
    process.kill(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => { if (!this.exited && this.child.pid) process.kill(this.child.pid, 'SIGKILL'); }, 3000);
    await gone;
    clearTimeout(timer);
  }
}
