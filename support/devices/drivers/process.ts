// process: a device that is a command, its console on stdin and stdout.
import type { Profile } from '../profile.ts';
import { startProcessDevice } from '../process-device.ts';
import { registerDriver } from './registry.ts';

registerDriver({
  name: 'process',
  talksOver: "a command's standard input and output",
  open({ lab, profile, record }) {
    const p = lab.device.process;
    const launch: Profile = p
      ? { ...profile, process: { command: p.command, args: p.args ?? [], env: p.env ?? {} } }
      : profile;
    return startProcessDevice(lab.device.id, launch, record, lab.device.variables ?? {});
  },
});
