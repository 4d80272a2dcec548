// A device driven by its profile over a line console: each action is the profile's steps, sent
// and awaited, and each goes into the record with its timing.
import type { TrafficRecord } from '../record/record.ts';
import type { LineConsole } from './console.ts';
import type { Device, DeviceSettings } from './device.ts';
import { expand, ProfileError, type Profile } from './profile.ts';

function settingVars(s: DeviceSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

/** the password as it may appear on the console: as it is, or in any encoding a profile can ask for */
function secretsOf(vars: Record<string, string>): string[] {
  const p = vars.password;
  if (!p) return [];
  return [JSON.stringify(p).slice(1, -1), p, Buffer.from(p).toString('hex'), Buffer.from(p).toString('base64')];
}

export class ProfileDevice implements Device {
  private settings: Record<string, string> = {};
  /** readUntil looks at lines from here on: from the last reset, or after its last match */
  private readCursor = 0;

  constructor(
    readonly id: string,
    readonly profile: Profile,
    readonly console: LineConsole,
    private record: TrafficRecord | undefined,
    private readonly onStop: () => Promise<void> = async () => {},
  ) {}

  /** where actions and console lines go from now on */
  setRecord(record: TrafficRecord | undefined): void {
    this.record = record;
    this.console.setRecord(record);
  }

  private vars(extra: Record<string, string>): Record<string, string> {
    return { serial: this.id, clientId: this.id, ...this.profile.variables, ...this.settings, ...extra };
  }

  has(action: string): boolean {
    return this.profile.actions[action] !== undefined;
  }

  /** the profile's steps for an action, sent and awaited (the recorded() wrapper records the call) */
  async action(name: string, extra: Record<string, string> = {}): Promise<void> {
    const steps = this.profile.actions[name];
    if (!steps) {
      const has = Object.keys(this.profile.actions).join(', ');
      throw new ProfileError(`${this.profile.file}: the profile has no action '${name}' (it has ${has})`);
    }
    const vars = this.vars(extra);
    for (const [i, step] of steps.entries()) {
      if (step.if !== undefined && !vars[step.if]) continue;
      const where = `${this.profile.file}: actions.${name}${steps.length > 1 ? `[${i}]` : ''}`;
      const since = this.console.mark();
      if (step.send !== undefined) await this.console.send(expand(step.send, vars, `${where}.send`), secretsOf(vars));
      if (step.expect) {
        const what = `${name}${steps.length > 1 ? ` step ${i + 1}` : ''}`;
        await this.console.waitFor({ expect: step.expect, fail: step.fail, timeoutMs: step.timeoutMs, since, what });
      }
    }
  }

  /** a reset device starts from its profile's defaults: settings of earlier runs are gone */
  reset(): Promise<void> {
    this.readCursor = this.console.mark();
    this.settings = {};
    return this.action('reset');
  }
  async configure(s: DeviceSettings): Promise<void> {
    this.settings = { ...this.settings, ...settingVars(s) };
    await this.action('configure');
  }
  connect(): Promise<void> {
    return this.action('connect');
  }
  disconnect(): Promise<void> {
    return this.action('disconnect');
  }
  publish(topic: string, payload: string): Promise<void> {
    return this.action('publish', { topic, payload });
  }
  linkDown(): Promise<void> {
    return this.action('linkDown');
  }
  linkUp(): Promise<void> {
    return this.action('linkUp');
  }

  async readUntil(pattern: RegExp, timeoutMs: number): Promise<string> {
    const m = await this.console.waitFor({
      expect: pattern,
      timeoutMs,
      since: this.readCursor,
      what: `reading until ${pattern}`,
    });
    this.readCursor = m.index + 1;
    return m.line;
  }

  async stop(): Promise<void> {
    await this.console.close();
    await this.onStop();
  }
}
