// emulated: the reference firmware on a real pseudo-terminal pair (socat), reached through the
// serial console like a board.
import { startEmulatedDevice } from '../emulated.ts';
import { registerDriver } from './registry.ts';

registerDriver({
  name: 'emulated',
  talksOver: 'the built-in emulated device on a pseudo-terminal (socat)',
  open: (ctx) =>
    startEmulatedDevice({ serial: ctx.lab.device.id, dir: ctx.dir, profile: ctx.profile.file, record: ctx.record }),
});
