// The process driver: a device that is a command, started with the arguments and environment its
// profile gives, its console on stdin and stdout, stopped by PID when the scenario ends.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrafficRecord } from '../record/record.ts';
import { ProcessConsole } from './process-console.ts';
import { expand, ProfileError, type Profile } from './profile.ts';
import { ProfileDevice } from './profile-device.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startProcessDevice(
  id: string,
  profile: Profile,
  record?: TrafficRecord,
  vars: Record<string, string> = {},
): Promise<ProfileDevice> {
  const p = profile.process;
  if (!p) throw new ProfileError(`${profile.file}: process: missing; the process driver needs process.command`);
  const all = { serial: id, node: process.execPath, root: ROOT, ...profile.variables, ...vars };
  const console = await ProcessConsole.start(id, record, {
    command: expand(p.command, all, `${profile.file}: process.command`),
    args: p.args.map((a, i) => expand(a, all, `${profile.file}: process.args[${i}]`)),
    env: Object.fromEntries(
      Object.entries(p.env).map(([k, v]) => [k, expand(v, all, `${profile.file}: process.env.${k}`)]),
    ),
    cwd: ROOT,
    newline: profile.console.newline,
  });
  const device = new ProfileDevice(id, profile, console, record);
  await untilAnswering(device);
  return device;
}

/**
 * A command may take seconds to start (more on a loaded machine): when its profile says how to
 * ask (a `ping` action), ask until it answers, within 20 s, before the first real action.
 */
export async function untilAnswering(device: ProfileDevice, limitMs = 20_000): Promise<void> {
  if (!device.has('ping')) return;
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      await device.action('ping');
      return;
    } catch (err) {
      if (/exited/.test((err as Error).message) || Date.now() > deadline) {
        await device.stop();
        throw err;
      }
    }
  }
}
