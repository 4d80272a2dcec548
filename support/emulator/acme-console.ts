// A second reference board with another console dialect, the "ACME-7": AT commands, CRLF line
// ends, an echo of each command after its "acme> " prompt, unsolicited "+LINK: LOST" lines, text
// given with backslash escapes and no quotes, payloads in hex. It has no TLS, no WebSocket and no
// children: its profile (fixtures/devices/acme7.yaml) says so. The same firmware is behind it,
// with the same fault switches, so its planted bugs are the emulator's.
import { isFault, FAULTS } from './faults.ts';
import { Firmware, type FirmwareSettings } from './firmware.ts';

const CFG: Record<string, (s: FirmwareSettings, v: string) => void> = {
  HOST: (s, v) => { s.host = v; },
  PORT: (s, v) => { s.port = Number(v); },
  LOGIN: (s, v) => { const slash = v.indexOf('/'); s.tenant = v.slice(0, slash); s.user = v.slice(slash + 1); },
  PASS: (s, v) => { s.password = v; },
  CID: (s, v) => { s.clientId = v; },
  CLEAN: (s, v) => { s.clean = v === '1'; },
  KEEPALIVE: (s, v) => { s.keepalive = Number(v); },
  QOS: (s, v) => { s.qos = Number(v) as 0 | 1 | 2; },
};

/** backslash escapes without quotes: \\n \\r \\t \\\\ */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

export class AcmeConsole {
  readonly firmware: Firmware;
  private readonly out: (line: string) => void;

  constructor(serial: string, write: (line: string) => void) {
    this.out = (l) => write(`${l}\r`);
    this.firmware = new Firmware(serial, (l) => this.out(l === 'LINK CLOSED' ? '+LINK: LOST' : `+LOG: ${l}`));
  }

  async handle(raw: string): Promise<void> {
    const line = raw.trim();
    if (!line) return;
    this.out(`acme> ${line}`);
    try {
      await this.run(line);
    } catch (err) {
      this.out(`+CME ERROR: ${(err as Error).message.replace(/\s+/g, ' ')}`);
    }
  }

  private async run(line: string): Promise<void> {
    const f = this.firmware;
    const m = /^AT(\+[A-Z]+)?(?:=(.*))?$/.exec(line);
    if (!m) throw new Error(`not an AT command: ${line}`);
    const [, cmd = '', arg = ''] = m;
    const comma = arg.indexOf(',');
    const first = comma < 0 ? arg : arg.slice(0, comma);
    const rest = comma < 0 ? '' : arg.slice(comma + 1);
    switch (cmd) {
      case '': return this.out('OK');
      case '+RST':
        await f.reset();
        this.out('ACME-7 boot v2.1');
        return this.out('+READY');
      case '+CFG': {
        const set = CFG[first];
        if (!set) throw new Error(`unknown setting ${first} (${Object.keys(CFG).join(' ')})`);
        if (first === 'PORT' && !/^\d+$/.test(rest)) throw new Error('PORT takes a number');
        set(f.settings, rest);
        return this.out('OK');
      }
      case '+CONN':
        f.settings.transport = 'mqtt';
        await f.connect();
        return this.out('+CONN: 0');
      case '+DISC': await f.disconnect(); return this.out('OK');
      case '+LINK':
        if (arg === '0') { f.linkDown(); return this.out('OK'); }
        await f.linkUp();
        return this.out('+CONN: 0');
      case '+PUB': await f.publish(first, Buffer.from(rest, 'hex').toString('utf8')); return this.out('OK');
      case '+TEMP': await f.measure(f.serial, arg); return this.out('OK');
      case '+EVT': await f.event(f.serial, first, unescape(rest)); return this.out('OK');
      case '+FAULT': {
        if (first === 'NONE') { f.faults.clear(); return this.out('OK'); }
        if (!isFault(first)) throw new Error(`unknown fault ${first} (${Object.keys(FAULTS).join(' ')})`);
        if (rest === 'on') f.faults.add(first); else f.faults.delete(first);
        return this.out('OK');
      }
      default: throw new Error(`unknown command AT${cmd}`);
    }
  }
}
