// The emulator in agent mode: no console. It reads its broker settings from a config file (as a
// Linux agent does), connects (the first connection is retried every 1 s, doubling to 4 s), and
// then the firmware keeps its link up by itself: a lost connection or a refused reconnect is
// retried after its backoff (500 ms, doubling to 8 s). SIGTERM disconnects cleanly.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { Firmware, type FirmwareSettings } from './firmware.ts';
import { UsageError } from '../cli/usage-error.ts';

const KEYS: Record<string, (s: FirmwareSettings, v: unknown) => void> = {
  host: (s, v) => {
    s.host = String(v);
  },
  port: (s, v) => {
    s.port = Number(v);
  },
  transport: (s, v) => {
    s.transport = String(v) as FirmwareSettings['transport'];
  },
  tenant: (s, v) => {
    s.tenant = String(v);
  },
  user: (s, v) => {
    s.user = String(v);
  },
  password: (s, v) => {
    s.password = String(v);
  },
  clientId: (s, v) => {
    s.clientId = String(v);
  },
  clean: (s, v) => {
    s.clean = v === true || v === 1 || v === '1' || v === 'true';
  },
  keepalive: (s, v) => {
    s.keepalive = Number(v);
  },
  qos: (s, v) => {
    s.qos = Number(v) as 0 | 1 | 2;
  },
  ca: (s, v) => {
    s.ca = String(v);
  },
  cert: (s, v) => {
    s.cert = String(v);
  },
  key: (s, v) => {
    s.key = String(v);
  },
};

/** the agent's config file: a YAML mapping of the keys above (empty values are left out) */
export function readAgentConfig(file: string, serial: string): FirmwareSettings {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the agent config ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${file}: the agent config must be a YAML mapping`);
  const s = Firmware.defaults(serial);
  for (const [k, v] of Object.entries(doc)) {
    const set = KEYS[k];
    if (!set) throw new UsageError(`${file}: ${k}: unknown key (the agent reads ${Object.keys(KEYS).join(', ')})`);
    if (v !== null && v !== '') set(s, v);
  }
  return s;
}

/** run until SIGTERM/SIGINT: connect, and reconnect with backoff whenever the link is lost */
export async function runAgent(serial: string, configFile: string, log: (line: string) => void): Promise<void> {
  const firmware = new Firmware(serial, log);
  firmware.settings = readAgentConfig(configFile, serial);
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = new Promise<void>((resolve) => {
    // a clean DISCONNECT at once: the loop may be waiting for a link that will not close by itself
    const end = () => {
      stopping = true;
      wake?.();
      void firmware.disconnect().then(resolve, resolve);
    };
    process.once('SIGTERM', end);
    process.once('SIGINT', end);
  });
  // the first connection is tried until it is made; after it, the firmware reconnects by itself
  let backoff = 1000;
  while (!stopping) {
    try {
      await firmware.connect();
      log('agent: connected');
      break;
    } catch (err) {
      log(`agent: connect failed: ${(err as Error).message}`);
    }
    if (stopping) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, backoff);
    });
    backoff = Math.min(backoff * 2, 4000);
  }
  await stop;
}
