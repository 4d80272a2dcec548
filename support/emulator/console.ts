// The emulator's console protocol: one command a line in, answers and log lines out. This is
// the dialect fixtures/devices/emulated.yaml speaks; the README lists it.
import { isFault, FAULTS } from './faults.ts';
import { Firmware, type FirmwareSettings } from './firmware.ts';

const SETTINGS: Record<string, (f: FirmwareSettings, v: string) => void> = {
  host: (f, v) => { f.host = v; },
  port: (f, v) => { f.port = int(v); },
  transport: (f, v) => { if (!['mqtt', 'mqtts', 'ws', 'wss'].includes(v)) throw new Error(`transport must be mqtt, mqtts, ws or wss`); f.transport = v as FirmwareSettings['transport']; },
  tenant: (f, v) => { f.tenant = v; },
  user: (f, v) => { f.user = v; },
  password: (f, v) => { f.password = v; },
  clientid: (f, v) => { f.clientId = v; },
  clean: (f, v) => { f.clean = v === '1' || v === 'true'; },
  keepalive: (f, v) => { f.keepalive = int(v); },
  qos: (f, v) => { const q = int(v); if (q < 0 || q > 2) throw new Error('qos must be 0, 1 or 2'); f.qos = q as 0 | 1 | 2; },
  ca: (f, v) => { f.ca = v; },
  cert: (f, v) => { f.cert = v; },
  key: (f, v) => { f.key = v; },
  name: (f, v) => { f.name = v; },
  type: (f, v) => { f.type = v; },
};

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`'${v}' is not a whole number`);
  return n;
}

/** JSON-quoted text on the console: "a,b\nc" */
function text(v: string | undefined): string {
  if (v === undefined) throw new Error('a JSON string is missing');
  const parsed = JSON.parse(v) as unknown;
  if (typeof parsed !== 'string') throw new Error('expected a JSON string');
  return parsed;
}

export const HELP = [
  'ping', 'reset', 'set <setting> <value>', 'connect', 'disconnect', 'link down', 'link up',
  'pub <topic> <json string>', 'child add <id> [<parent>]', 'measure [<device>] <value>', 'sensor <device> <fragment> <series> <value> [<json unit>]', 'event <device> <type> <json string>',
  'fault <name> on|off', 'fault none', 'faults', 'status', 'help',
];

export class EmulatorConsole {
  readonly firmware: Firmware;
  constructor(serial: string, private readonly out: (line: string) => void) {
    this.firmware = new Firmware(serial, out);
  }

  /** handle one console line; a command that hangs is answered with an error after 15 s */
  async handle(raw: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => { this.out(`ERROR '${raw.trim()}' did not finish within 15 s`); resolve(); }, 15_000);
    });
    await Promise.race([this.run(raw), limit]);
    clearTimeout(timer);
  }

  /** every command answers OK…, a result word, or ERROR <reason> */
  private async run(raw: string): Promise<void> {
    const line = raw.trim();
    if (line.length === 0) return;
    const [cmd, ...rest] = line.split(' ');
    const f = this.firmware;
    try {
      switch (cmd) {
        case 'ping': return this.out('PONG');
        case 'help': return this.out(`HELP ${HELP.join(' | ')}`);
        case 'reset': await f.reset(); return this.out(`READY ${f.serial}`);
        case 'set': {
          const [key, ...value] = rest;
          const setter = key ? SETTINGS[key] : undefined;
          if (!setter) throw new Error(`unknown setting '${key}'; settings: ${Object.keys(SETTINGS).join(', ')}`);
          setter(f.settings, value.join(' '));
          return this.out('OK');
        }
        case 'connect': await f.connect(); return this.out('CONNECTED');
        case 'disconnect': await f.disconnect(); return this.out('DISCONNECTED');
        case 'link':
          if (rest[0] === 'down') { f.linkDown(); return this.out('LINK DOWN'); }
          if (rest[0] === 'up') { await f.linkUp(); return this.out('CONNECTED'); }
          throw new Error('link down or link up');
        case 'pub': {
          const [topic, ...payload] = rest;
          if (!topic) throw new Error('pub <topic> <json string>');
          await f.publish(topic, text(payload.join(' ')));
          return this.out('OK');
        }
        case 'child': {
          if (rest[0] !== 'add' || !rest[1]) throw new Error('child add <id> [<parent>]');
          await f.addChild(rest[1], rest[2]);
          return this.out('OK');
        }
        case 'measure': {
          const [a, b] = rest;
          if (a === undefined) throw new Error('measure [<device>] <value>');
          await (b === undefined ? f.measure(f.serial, a) : f.measure(a, b));
          return this.out('OK');
        }
        case 'sensor': {
          const [device, fragment, series, value, ...unit] = rest;
          if (!device || !fragment || !series || value === undefined) throw new Error('sensor <device> <fragment> <series> <value> [<json unit>]');
          await f.sensor(device, fragment, series, value, unit.length ? text(unit.join(' ')) : '');
          return this.out('OK');
        }
        case 'event': {
          const [device, type, ...t] = rest;
          if (!device || !type) throw new Error('event <device> <type> <json string>');
          await f.event(device, type, text(t.join(' ')));
          return this.out('OK');
        }
        case 'fault': {
          const [name, state] = rest;
          if (name === 'none') { f.faults.clear(); return this.out('OK'); }
          if (!name || !isFault(name)) throw new Error(`unknown fault '${name}'; faults: ${Object.keys(FAULTS).join(', ')}`);
          if (state === 'on') f.faults.add(name); else if (state === 'off') f.faults.delete(name); else throw new Error('fault <name> on|off');
          return this.out('OK');
        }
        case 'faults': return this.out(`FAULTS ${[...f.faults].join(',') || '-'}`);
        case 'status': return this.out(`STATUS connected=${f.connected} clientid=${f.settings.clientId} clean=${f.settings.clean ? 1 : 0} qos=${f.settings.qos} faults=${[...f.faults].join(',') || '-'}`);
        default: throw new Error(`unknown command '${cmd}' (help lists them)`);
      }
    } catch (err) {
      this.out(`ERROR ${(err as Error).message.replace(/\s+/g, ' ')}`);
    }
  }
}
