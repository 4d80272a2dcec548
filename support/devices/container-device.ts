// The container driver: a device shipped as a container image, started with testcontainers on
// host networking (every connection stays on 127.0.0.1), its console on the container's stdin
// and stdout, its log lines in the record, stopped and removed when the scenario ends.
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import type { TrafficRecord } from '../record/record.ts';
import { ConsoleError, LineConsole } from './console.ts';
import { EMULATOR_IMAGE, ensureEmulatorImage } from './container-image.ts';
import { expand, ProfileError, type Profile } from './profile.ts';
import { ProfileDevice } from './profile-device.ts';
import { DeviceUnavailable } from './unavailable.ts';

/** GenericContainer with stdin kept open, so the console can be attached to it */
class ConsoleContainer extends GenericContainer {
  constructor(image: string) {
    super(image);
    Object.assign(this.createOpts, { OpenStdin: true, StdinOnce: false, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  }
}

interface DockerodeContainer {
  attach(o: object): Promise<NodeJS.ReadWriteStream>;
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number } }>;
  modem: { demuxStream(s: NodeJS.ReadableStream, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void };
}

/** testcontainers fails at once without an engine: that is a reason to skip, not an error */
export async function containerEngineMissing(): Promise<string | undefined> {
  try { await getContainerRuntimeClient(); return undefined; } catch (err) {
    return `no container engine is reachable (${(err as Error).message}); start one as TOOLCHAIN.md says, e.g. dockerd with DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED=true and TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1`;
  }
}

class ContainerConsole extends LineConsole {
  readonly logs: string[] = [];
  constructor(device: string, record: TrafficRecord | undefined, private readonly stdin: NodeJS.WritableStream, private readonly started: StartedTestContainer) {
    super(device, record, `the container ${started.getId().slice(0, 12)}`);
  }
  lineOut(line: string): void { this.logs.push(line); if (this.logs.length > 50) this.logs.shift(); this.receive(line); }
  lineErr(line: string): void { this.logs.push(line); if (this.logs.length > 50) this.logs.shift(); this.record?.add('console', { device: this.device, dir: 'stderr', line }); }
  private stopping = false;
  /** the early exit, once the engine has said so */
  private exitError: ConsoleError | undefined;
  private exitSeen: () => void = () => {};
  private readonly exitKnown = new Promise<void>((resolve) => (this.exitSeen = resolve));
  exited(code: number): void {
    if (this.stopping) return; // we stopped it: that is no early exit
    this.record?.add('device', { device: this.device, action: 'container-exited', code, lastLines: this.logs.slice(-10) });
    const last = this.logs.slice(-10).map((l) => JSON.stringify(l)).join(', ') || '(none)';
    const id = this.started.getId().slice(0, 12);
    this.exitError = new ConsoleError(
      `${this.device}: the container ${id} exited with code ${code}; its last log lines: ${last}`,
    );
    this.exitSeen();
    this.breakWith(this.exitError);
  }
  protected async write(line: string): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) =>
        this.stdin.write(line + '\n', (err) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      // a container that exited closes its stdin before the engine reports the exit: the exit
      // (its code and last lines) says more than the broken pipe, so wait a moment for it
      await Promise.race([this.exitKnown, new Promise((r) => setTimeout(r, 3000).unref())]);
      throw this.exitError ?? err;
    }
  }
  async close(): Promise<void> {
    this.stopping = true;
    await this.started.stop({ remove: true, timeout: 2000 }).catch(() => { /* it may be gone already */ });
  }
}

/** `mounts`: host folders the device must read at the same path (the lab's CA file, say), read-only */
export async function startContainerDevice(id: string, profile: Profile, record?: TrafficRecord, vars: Record<string, string> = {}, mounts: string[] = []): Promise<ProfileDevice> {
  const c = profile.container;
  if (!c) throw new ProfileError(`${profile.file}: container: missing; the container driver needs container.image`);
  const missing = await containerEngineMissing();
  if (missing) throw new DeviceUnavailable(missing);
  const all = { serial: id, ...profile.variables, ...vars };
  let image = expand(c.image, all, `${profile.file}: container.image`);
  if (image === EMULATOR_IMAGE) image = await ensureEmulatorImage();
  let container = new ConsoleContainer(image).withNetworkMode('host')
    .withEnvironment(Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, expand(v, all, `${profile.file}: container.env.${k}`)])));
  if (mounts.length > 0) container = container.withBindMounts(mounts.map((m) => ({ source: m, target: m, mode: 'ro' as const })));
  if (c.command.length > 0) container = container.withCommand(c.command.map((a, i) => expand(a, all, `${profile.file}: container.command[${i}]`)));
  const started = await container.start();
  const docker = (started as unknown as { container: DockerodeContainer }).container;
  const stream = await docker.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
  const out = new PassThrough(), err = new PassThrough();
  docker.modem.demuxStream(stream, out, err);
  const console = new ContainerConsole(id, record, stream, started);
  createInterface({ input: out }).on('line', (l) => console.lineOut(l));
  createInterface({ input: err }).on('line', (l) => console.lineErr(l));
  stream.on('end', () => { void docker.inspect().then((s) => { if (!s.State.Running) console.exited(s.State.ExitCode); }, () => console.exited(-1)); });
  record?.add('device', { device: id, action: 'container-started', image, container: started.getId() });
  const device = new ProfileDevice(id, profile, console, record);
  // the console is there once the firmware answers; a profile may say how to ask (a `ping` action)
  if (profile.actions.ping) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try { await device.action('ping'); break; } catch (e) {
        if (e instanceof ConsoleError && /exited/.test(e.message)) { await console.close(); throw e; }
        if (Date.now() > deadline) { await console.close(); throw e; }
      }
    }
  }
  return device;
}
