// A device with no console: a Linux agent that reads its broker settings from a config file.
// "configure" keeps the settings; "connect" renders the profile's config template with them,
// starts the agent (its stdout and stderr go into the record) and leaves it to connect on its
// own (the connect step waits on the record); "disconnect" and "reset" stop it. Link control is
// the broker's (Lab.linkDown), so the agent needs no console for it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError } from './console.ts';
import type { Device, DeviceSettings } from './device.ts';
import { containerEngineMissing } from './container-device.ts';
import { EMULATOR_IMAGE, ensureEmulatorImage } from './container-image.ts';
import { ProcessConsole } from './process-console.ts';
import { DeviceUnavailable } from './unavailable.ts';
import { expand, ProfileError, type Profile } from './profile.ts';

export class AgentDevice implements Device {
  private settings: Record<string, string> = {};
  private console: ProcessConsole | undefined;
  private record: TrafficRecord | undefined;
  private readCursor = 0;

  /** the running agent when it is a container: stopped and removed by disconnect */
  private container: StartedTestContainer | undefined;

  constructor(
    readonly id: string,
    readonly profile: Profile,
    private readonly dir: string,
    private readonly root: string,
  ) {
    if (!profile.agent?.process && !profile.agent?.container) {
      throw new ProfileError(`${profile.file}: agent: needs process or container, how the agent is started`);
    }
  }

  setRecord(record: TrafficRecord | undefined): void {
    this.record = record;
    this.console?.setRecord(record);
  }

  /** an agent has no console actions: the scenarios that need them are skipped */
  has(action: string): boolean {
    return this.profile.actions[action] !== undefined;
  }

  /** the template's variables: the settings, and {tls} (1 for mqtts and wss) for configs that want a switch */
  private vars(): Record<string, string> {
    const tls = this.settings.transport === 'mqtts' || this.settings.transport === 'wss' ? '1' : '0';
    return {
      serial: this.id,
      clientId: this.id,
      node: process.execPath,
      root: this.root,
      tls,
      ...this.profile.variables,
      ...this.settings,
    };
  }

  async reset(): Promise<void> {
    await this.disconnect();
    this.settings = {};
  }

  async configure(s: DeviceSettings): Promise<void> {
    for (const [k, v] of Object.entries(s)) {
      if (v !== undefined) this.settings[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    }
  }

  async connect(): Promise<void> {
    await this.disconnect();
    const agent = this.profile.agent!;
    const configFile = join(this.dir, agent.config.file);
    const vars = { ...this.vars(), configFile };
    writeFileSync(configFile, expand(agent.config.template, vars, `${this.profile.file}: agent.config.template`), {
      mode: 0o600,
    });
    if (agent.process) {
      const p = agent.process;
      const where = (f: string) => `${this.profile.file}: agent.process.${f}`;
      this.console = await ProcessConsole.start(this.id, this.record, {
        command: expand(p.command, vars, where('command')),
        args: p.args.map((a, i) => expand(a, vars, where(`args[${i}]`))),
        env: Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, expand(v, vars, where(`env.${k}`))])),
        cwd: this.dir,
        newline: '\n',
      });
    } else {
      await this.startContainer(vars);
    }
    this.readCursor = 0;
  }

  /** the agent's image on host networking, its folder (config file, the lab's CA) mounted at the same path */
  private async startContainer(vars: Record<string, string>): Promise<void> {
    const c = this.profile.agent!.container!;
    const where = (f: string) => `${this.profile.file}: agent.container.${f}`;
    const missing = await containerEngineMissing();
    if (missing) throw new DeviceUnavailable(missing);
    let image = expand(c.image, vars, where('image'));
    if (image === EMULATOR_IMAGE) image = await ensureEmulatorImage();
    const log = (dir: 'rx' | 'stderr') => (line: string) => this.record?.add('console', { device: this.id, dir, line });
    const started = await new GenericContainer(image)
      .withNetworkMode('host')
      .withBindMounts([{ source: this.dir, target: this.dir, mode: 'ro' }])
      .withEnvironment(
        Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, expand(v, vars, where(`env.${k}`))])),
      )
      .withCommand(c.command.map((a, i) => expand(a, vars, where(`command[${i}]`))))
      .withLogConsumer((stream) => {
        createInterface({ input: stream }).on('line', log('rx'));
      })
      .start();
    this.container = started;
    this.record?.add('device', { device: this.id, action: 'container-started', image, container: started.getId() });
  }

  async disconnect(): Promise<void> {
    const c = this.console;
    this.console = undefined;
    await c?.close();
    const box = this.container;
    this.container = undefined;
    await box?.stop({ remove: true, timeout: 2000 }).catch(() => {
      /* it may be gone already */
    });
  }

  publish(): Promise<void> {
    return this.absent('publish');
  }
  linkDown(): Promise<void> {
    return this.absent('linkDown');
  }
  linkUp(): Promise<void> {
    return this.absent('linkUp');
  }
  action(name: string): Promise<void> {
    return this.absent(name);
  }

  private absent(action: string): Promise<void> {
    return Promise.reject(
      new ProfileError(`${this.profile.file}: ${this.id} is an agent with no console: it has no '${action}' action`),
    );
  }

  /** its log lines (stdout) are its console */
  async readUntil(pattern: RegExp, timeoutMs: number): Promise<string> {
    if (!this.console) throw new ConsoleError(`${this.id}: the agent is not running`);
    const m = await this.console.waitFor({
      expect: pattern,
      timeoutMs,
      since: this.readCursor,
      what: `reading until ${pattern}`,
    });
    this.readCursor = m.index + 1;
    return m.line;
  }

  stop(): Promise<void> {
    return this.disconnect();
  }
}
