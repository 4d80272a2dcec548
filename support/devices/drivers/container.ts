// container: a device shipped as an image, its console on the container's stdin and stdout; the
// driver's folder (the lab's CA file) is mounted at the same path.
import type { Profile } from '../profile.ts';
import { registerDriver } from './registry.ts';

registerDriver({
  name: 'container',
  talksOver: "a container's standard input and output (testcontainers)",
  async open({ lab, profile, record, dir }) {
    // testcontainers is loaded when a container is opened, not by every process that knows the drivers
    const { startContainerDevice } = await import('../container-device.ts');
    const c = lab.device.container;
    const launch: Profile = c
      ? { ...profile, container: { image: c.image, command: c.command ?? [], env: c.env ?? {} } }
      : profile;
    return startContainerDevice(lab.device.id, launch, record, lab.device.variables ?? {}, [dir]);
  },
});
