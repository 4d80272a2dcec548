// tcp: a board whose console is on the network, raw or telnet (ser2net on a lab host).
import { ProfileDevice } from '../profile-device.ts';
import { TcpConsole } from '../tcp-console.ts';
import { registerDriver } from './registry.ts';

registerDriver({
  name: 'tcp',
  talksOver: 'a console on the network (raw TCP or telnet, e.g. ser2net)',
  async open({ lab, profile, record }) {
    const t = lab.device.tcp!;
    const console = await TcpConsole.open(lab.device.id, record, {
      host: t.host,
      port: t.port,
      protocol: t.protocol,
      newline: profile.console.newline,
      reattachTimeoutMs: profile.console.reattachTimeoutMs,
    });
    return new ProfileDevice(lab.device.id, profile, console, record);
  },
});
