// `c8y-hil broker`: the standalone recording broker for exploratory work and for boards on the bench.
import { parseArgs } from 'node:util';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { C8yBroker } from '../broker/broker.ts';
import { parseCredential, type Credential } from '../broker/credentials.ts';
import { TRANSPORTS, type BrokerOptions, type Transport } from '../broker/options.ts';
import { startApi } from '../broker/http-api.ts';
import { collectWhenCalm } from '../broker/idle-gc.ts';
import { Platform } from '../broker/platform/platform.ts';
import { readTemplatesFile } from './templates-file.ts';
import { optionProblem, UsageError } from './usage-error.ts';
import { checkBrokerConfig } from './broker-config.ts';

export const BROKER_HELP = `Usage: c8y-hil broker [options]

Starts a broker that behaves like Cumulocity's MQTT endpoint and records every packet.
Prints one JSON line with the bound ports when ready; SIGINT or SIGTERM flush the record and exit 0.

  --host ADDR                 address to bind (default 127.0.0.1)
  --mqtt-port P               MQTT over TCP (default 0: an ephemeral port; "off" disables it)
  --mqtts-port P              MQTT over TLS (default 0)
  --ws-port P                 MQTT over WebSocket on /mqtt (default 0)
  --wss-port P                MQTT over secure WebSocket on /mqtt (default 0)
  --api-port P                HTTP API (default 0)
  --credentials T/U:PW        an accepted login, tenant/user:password (repeatable)
  --record FILE               where the JSONL record goes (default reports/broker/<time>.jsonl)
  --config FILE               JSON or YAML file with any of these settings (flags win)
  --tls-key FILE --tls-cert FILE [--tls-ca FILE]
                              TLS material; without it a local CA and certificate are made
  --last-will ignore|deliver  ignore (default): never publish a will; deliver: process it as a publish
  --allow-early-subscribe     grant s/ds and s/dc before the device exists (default: refuse)
  --push-pending-on-subscribe push pending operations on a new s/ds subscription (default: off)
  --max-packet-size N         largest packet accepted in bytes (default 16184; 0: no limit)
  --lenient-escaping          do not report "" escaping and other deviations as findings
  --known-device ID           a device that exists before the run (repeatable)
  --strict                    count warnings (a last will, clean session 0, …) as violations
  --templates FILE            template collections that exist before the run (YAML/JSON: X-ID → its
                              10/11 lines, or Cumulocity's JSON export of a collection)
  --bootstrap-password PW     the password of management/devicebootstrap (default: bootstrap)
  --auto-accept-registrations answer a bootstrap poll with credentials at once (default: accept
                              through POST /registrations/<id>/accept)
  --trust-ca FILE             a CA (PEM) device certificates may chain to (repeatable; default: the
                              broker's own run-time CA). c8y-hil cert makes one and signs devices
  --device-tenant T           the tenant of bootstrap credentials and certificate logins
  --record-window N           events the API's record queries see, the latest N (default 10000); the
                              file keeps every one
  --record-sync               each chunk a device sends is in the record's file before the broker acts
                              on it: a kill -9 loses no acknowledged message (slower: see the README)
  --api-token T               the token API requests must carry (Authorization: Bearer T); default:
                              a new one each start, in the ready line and in a file only you can read
  --api-open                  no token: anyone who reaches the API drives the devices (a warning)
  --redis URL                 one of several broker processes sharing this Redis (redis://host:port):
                              sessions, queued messages, where each device is connected, and the
                              platform's inventory and operations; each process keeps its own record
  --node NAME                 this process's name in the cluster (default broker-<pid>)
  --redis-prefix P            keys and channels of the cluster start with P (default c8y-hil)
`;

const FLAGS = {
  host: { type: 'string' },
  'mqtt-port': { type: 'string' },
  'mqtts-port': { type: 'string' },
  'ws-port': { type: 'string' },
  'wss-port': { type: 'string' },
  'api-port': { type: 'string' },
  credentials: { type: 'string', multiple: true },
  record: { type: 'string' },
  config: { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-ca': { type: 'string' },
  'last-will': { type: 'string' },
  'allow-early-subscribe': { type: 'boolean' },
  'push-pending-on-subscribe': { type: 'boolean' },
  'max-packet-size': { type: 'string' },
  'lenient-escaping': { type: 'boolean' },
  'known-device': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  strict: { type: 'boolean' },
  templates: { type: 'string' },
  'bootstrap-password': { type: 'string' },
  'auto-accept-registrations': { type: 'boolean' },
  'trust-ca': { type: 'string', multiple: true },
  'device-tenant': { type: 'string' },
  redis: { type: 'string' },
  node: { type: 'string' },
  'api-token': { type: 'string' },
  'record-sync': { type: 'boolean' },
  'record-window': { type: 'string' },
  'api-open': { type: 'boolean' },
  'redis-prefix': { type: 'string' },
} as const;

interface ConfigFile extends Omit<
  BrokerOptions,
  'credentials' | 'tls' | 'record' | 'trustedCas' | 'templateCollections'
> {
  credentials?: (string | Credential)[];
  record?: string;
  apiPort?: number | null;
  /** files, as with --templates and --trust-ca */
  templates?: string;
  trustedCas?: string[];
  apiToken?: string;
  apiOpen?: boolean;
  /** as with --redis, --node and --redis-prefix */
  redis?: string;
  node?: string;
  redisPrefix?: string;
}

function port(name: string, value: string | number | null | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === 'off') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(
      `${name.startsWith('ports.') ? name : '--' + name} must be a port number from 0 to 65535 or "off", not '${value}'`,
    );
  return n;
}

function readConfig(path: string): ConfigFile {
  let text: string;
  let parsed: unknown;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  try {
    parsed = YAML.parse(text) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw new UsageError(`the config file ${path} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`the config file ${path} is not valid: it must hold a mapping of settings`);
  const checked = checkBrokerConfig(parsed);
  if ('problems' in checked) {
    const n = checked.problems.length;
    throw new UsageError(
      `${path}: ${n} problem${n === 1 ? '' : 's'} in the broker config file: ` + checked.problems.join('; '),
    );
  }
  return checked.config as ConfigFile;
}

function readPem(flag: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text))
    throw new UsageError(`${flag} ${path} is not a PEM file (no -----BEGIN …----- line)`);
  return text;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);
const templatesFrom = (file: string | undefined) => (file === undefined ? {} : readTemplatesFile(file));

export interface BrokerCommandSettings {
  options: BrokerOptions;
  apiPort: number | null;
  recordPath: string;
  /** undefined: make one; null: none (--api-open) */
  apiToken: string | null | undefined;
}

export function brokerSettings(argv: string[]): BrokerCommandSettings | 'help' {
  let values: { [K in keyof typeof FLAGS]?: unknown };
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${optionProblem(err as Error)} (see c8y-hil broker --help)`);
  }
  const v = values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) return 'help';
  const cfg: ConfigFile = typeof v.config === 'string' ? readConfig(v.config) : {};
  const creds = [...(cfg.credentials ?? []), ...((v.credentials as string[] | undefined) ?? [])].map((c) => {
    if (typeof c !== 'string') return c;
    try {
      return parseCredential(c);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  const ports: Partial<Record<Transport, number | null>> = {};
  for (const t of TRANSPORTS) {
    const fromFile = port(`ports.${t} in ${v.config}`, cfg.ports?.[t] as string | number | null | undefined);
    if (fromFile !== undefined) ports[t] = fromFile;
    const flag = port(`${t}-port`, v[`${t}-port`] as string | undefined);
    if (flag !== undefined) ports[t] = flag;
  }
  const lastWill = (v['last-will'] as string | undefined) ?? cfg.lastWill;
  if (lastWill !== undefined && lastWill !== 'ignore' && lastWill !== 'deliver')
    throw new UsageError(`--last-will must be ignore or deliver, not '${lastWill}'`);
  const maxRaw = v['max-packet-size'] ?? cfg.maxPacketSize;
  const max = maxRaw === undefined ? undefined : Number(maxRaw);
  if (max !== undefined && (!Number.isInteger(max) || max < 0))
    throw new UsageError(`--max-packet-size must be a whole number of bytes, not '${maxRaw}'`);
  const windowRaw = v['record-window'] ?? cfg.recordWindow ?? 10_000;
  const recordWindow = Number(windowRaw);
  if (!Number.isInteger(recordWindow) || recordWindow < 1)
    throw new UsageError(`--record-window must be a whole number of events (1 or more), not '${windowRaw}'`);
  const key = readPem('--tls-key', v['tls-key'] as string | undefined);
  const cert = readPem('--tls-cert', v['tls-cert'] as string | undefined);
  if ((key === undefined) !== (cert === undefined)) throw new UsageError('--tls-key and --tls-cert go together');
  const recordPath = resolve(
    (v.record as string | undefined) ??
      cfg.record ??
      `reports/broker/${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`,
  );
  const options: BrokerOptions = {
    host: (v.host as string | undefined) ?? cfg.host ?? '127.0.0.1',
    ports,
    credentials: creds,
    recordPath,
    // a broker that runs for days: queries see the latest events, the file keeps every one
    recordWindow,
    recordSync: (v['record-sync'] as boolean | undefined) ?? cfg.recordSync ?? false,
    ...(lastWill ? { lastWill } : {}),
    ...(max !== undefined ? { maxPacketSize: max } : {}),
    refuseDownstreamBeforeRegistration: v['allow-early-subscribe']
      ? false
      : (cfg.refuseDownstreamBeforeRegistration ?? true),
    pushPendingOnSubscribe:
      (v['push-pending-on-subscribe'] as boolean | undefined) ?? cfg.pushPendingOnSubscribe ?? false,
    strictEscaping: v['lenient-escaping'] ? false : (cfg.strictEscaping ?? true),
    knownDevices: [...(cfg.knownDevices ?? []), ...((v['known-device'] as string[] | undefined) ?? [])],
    strict: (v.strict as boolean | undefined) ?? cfg.strict ?? false,
    autoAcceptRegistrations:
      (v['auto-accept-registrations'] as boolean | undefined) ?? cfg.autoAcceptRegistrations ?? false,
    ...optional('bootstrapPassword', (v['bootstrap-password'] as string | undefined) ?? cfg.bootstrapPassword),
    ...optional('deviceTenant', (v['device-tenant'] as string | undefined) ?? cfg.deviceTenant),
    trustedCas: [...(cfg.trustedCas ?? []), ...((v['trust-ca'] as string[] | undefined) ?? [])].map((f) =>
      readPem('--trust-ca', f)!,
    ),
    templateCollections: templatesFrom((v.templates as string | undefined) ?? cfg.templates),
    ...(key && cert ? { tls: { key, cert, ca: readPem('--tls-ca', v['tls-ca'] as string | undefined) ?? cert } } : {}),
  };
  const redis = (v.redis as string | undefined) ?? cfg.redis;
  if (redis !== undefined) options.cluster = clusterOptions(redis, v, cfg);
  else if (v.node !== undefined || v['redis-prefix'] !== undefined)
    throw new UsageError('--node and --redis-prefix name a process of a cluster: give --redis URL too');
  const apiPort = port('api-port', (v['api-port'] as string | undefined) ?? cfg.apiPort ?? 0) ?? null;
  const token = (v['api-token'] as string | undefined) ?? cfg.apiToken;
  const open = (v['api-open'] as boolean | undefined) ?? cfg.apiOpen ?? false;
  if (open && token !== undefined) throw new UsageError('--api-token and --api-open contradict each other: give one');
  if (token !== undefined && !/^[\x21-\x7e]{16,}$/.test(token))
    throw new UsageError('--api-token must be at least 16 printable characters without spaces');
  return { options, apiPort, recordPath, apiToken: open ? null : token };
}

function clusterOptions(
  url: string,
  v: Record<string, unknown>,
  cfg: ConfigFile,
): NonNullable<BrokerOptions['cluster']> {
  if (!/^rediss?:\/\/[^/]+/.test(url))
    throw new UsageError(`--redis must be a Redis URL (redis://host:port), not '${url}'`);
  const node = (v.node as string | undefined) ?? cfg.node;
  const prefix = (v['redis-prefix'] as string | undefined) ?? cfg.redisPrefix;
  return { url, ...(node ? { node } : {}), ...(prefix ? { prefix } : {}) };
}

export async function brokerCommand(argv: string[]): Promise<number> {
  const settings = brokerSettings(argv);
  if (settings === 'help') {
    process.stdout.write(BROKER_HELP);
    return 0;
  }
  if (settings.options.credentials!.length === 0) {
    process.stderr.write('c8y-hil broker: no --credentials given, so every login will be refused (CONNACK 4 or 5)\n');
  }
  const broker = await C8yBroker.start(settings.options);
  const platform = new Platform(broker);
  await platform.share();
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const token = settings.apiToken === undefined ? randomBytes(24).toString('base64url') : settings.apiToken;
  const tokenFile = settings.recordPath.replace(/\.jsonl$/, '') + '.api-token';
  try {
    if (settings.apiPort !== null) {
      api = await startApi(broker, platform, settings.options.host!, settings.apiPort, { token });
      if (token === null)
        process.stderr.write(
          'c8y-hil broker: --api-open: anyone who reaches the API can create operations on your devices\n',
        );
      else writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
    }
  } catch (err) {
    await broker.close();
    throw err;
  }
  // clients of the TLS endpoints verify the broker with this CA
  let caPath: string | undefined;
  if (broker.tls) {
    caPath = settings.recordPath.replace(/\.jsonl$/, '') + '.ca.pem';
    writeFileSync(caPath, broker.tls.ca);
  }
  const ready = {
    event: 'ready',
    ...broker.ports,
    api: api?.port ?? null,
    ...(api && token !== null ? { apiToken: token, apiTokenFile: tokenFile } : {}),
    record: settings.recordPath,
    ...(broker.cluster ? { node: broker.cluster.node } : {}),
    ...(caPath ? { ca: caPath } : {}),
  };
  process.stdout.write(JSON.stringify(ready) + '\n');
  const stopCollecting = collectWhenCalm(() => broker.record.connectionsOpened);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  stopCollecting();
  await api?.close();
  await broker.close();
  if (api && token !== null) rmSync(tokenFile, { force: true });
  return 0;
}
