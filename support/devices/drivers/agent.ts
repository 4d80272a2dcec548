// agent: a Linux agent with no console, started with a config file rendered from its profile.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentDevice } from '../agent-device.ts';
import { registerDriver } from './registry.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

registerDriver({
  name: 'agent',
  talksOver: 'nothing: a process started with a config file; link control from the broker',
  async open({ lab, profile, dir }) {
    return new AgentDevice(lab.device.id, profile, dir, ROOT);
  },
});
