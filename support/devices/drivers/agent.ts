// agent: a Linux agent with no console, started with a config file rendered from its profile.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceUnavailable } from '../unavailable.ts';
import { registerDriver } from './registry.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

registerDriver({
  name: 'agent',
  talksOver: 'nothing: a process or a container started with a config file; link control from the broker',
  async open({ lab, profile, dir }) {
    // testcontainers is loaded when an agent is opened, not by every process that knows the drivers
    const { AgentDevice } = await import('../agent-device.ts');
    const { containerEngineMissing } = await import('../container-device.ts');
    // an agent that is an image needs an engine: without one its scenarios are skipped with the reason
    if (profile.agent?.container && !profile.agent.process) {
      const missing = await containerEngineMissing();
      if (missing) throw new DeviceUnavailable(missing);
    }
    return new AgentDevice(lab.device.id, profile, dir, ROOT);
  },
});
