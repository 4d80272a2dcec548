// The lab file: which device is under test, with which driver and profile, and how the broker
// listens (labgrid's split: a resource says where a device is, a driver says how to use it).
// One zod schema validates it and is published as JSON Schema (schemas/lab.schema.json) for
// editors; every mistake is reported at once with the file and the field.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { loadProfile, parseDuration, ProfileError, type Profile } from './devices/profile.ts';

export const DRIVER_NAMES = ['emulated', 'serial', 'tcp', 'process', 'container', 'agent'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

const text = z.string().min(1, 'must not be empty');
const port = z.number().int().min(1).max(65535);
const env = z.record(z.string(), z.string());
const usbId = z.string().regex(/^[0-9a-fA-F]{4}$/, 'four hex digits, as lsusb shows them (e.g. 0403)');

const serialSection = z
  .strictObject({
    path: text.optional().describe('a tty, e.g. /dev/ttyUSB0, or a stable name under /dev/serial/by-id/'),
    usb: z
      .strictObject({ vendorId: usbId, productId: usbId, serialNumber: text.optional() })
      .optional()
      .describe('find the port by its USB identity (SerialPort.list())'),
    baudRate: z.number().int().positive().optional().describe("overrides the profile's console.baudRate"),
  })
  .refine((s) => (s.path === undefined) !== (s.usb === undefined), {
    message: 'give exactly one of path and usb',
  });

const tcpSection = z.strictObject({
  host: text.describe('where the console listens, e.g. the lab host running ser2net'),
  port,
  protocol: z.enum(['raw', 'telnet']).default('raw').describe('telnet strips the option negotiation (ser2net telnet)'),
});

const launchFields = { env: env.optional(), cwd: text.optional() };
const processSection = z.strictObject({ command: text, args: z.array(z.string()).optional(), ...launchFields });
const containerSection = z.strictObject({ image: text, command: z.array(z.string()).optional(), env: env.optional() });

const deviceSchema = z.strictObject({
  name: text.optional().describe('a name for reports; defaults to the id'),
  id: text.describe('the device identifier (external id) the device registers with'),
  driver: z.enum(DRIVER_NAMES).describe('how the harness reaches the device'),
  profile: text.optional().describe('the device profile (YAML), relative to the lab file; emulated: the built-in one'),
  serial: serialSection.optional(),
  tcp: tcpSection.optional(),
  process: processSection.optional().describe("process and agent drivers: replaces the profile's process section"),
  container: containerSection.optional().describe("container and agent drivers: replaces the profile's container"),
  variables: z.record(z.string(), z.string()).optional().describe("added to the profile's variables"),
  faults: z.array(text).optional().describe('emulated driver: fault switches to turn on'),
  tags: z
    .record(z.string(), z.string())
    .optional()
    .describe('what the device is, for --devices and the reports (model: acme7, firmware: 3.1.4)'),
});

const portsSchema = z.strictObject({
  mqtt: port.optional(),
  mqtts: port.optional(),
  ws: port.optional(),
  wss: port.optional(),
});

const brokerSchema = z.strictObject({
  bind: text.optional().describe('the address the broker listens on (default 127.0.0.1)'),
  host: text.optional().describe('the address or name devices are given (default: bind)'),
  hostnames: z.array(text).optional().describe("more names for the broker's TLS certificate"),
  ports: portsSchema.optional().describe('fixed ports: the broker then runs for the whole run; default ephemeral'),
  tenant: text.optional(),
  user: text.optional(),
  password: text.optional(),
  strict: z.boolean().optional().describe('warnings count as violations (SPEC 8)'),
  templates: text.optional().describe('template collections to preload, relative to the lab file'),
  redis: text
    .regex(/^rediss?:\/\/[^/]+/, 'a Redis URL (redis://host:port)')
    .optional()
    .describe(
      "keep each scenario's broker state in this Redis (as c8y-hil broker --redis): sessions, " +
        'inventory and operations, under a prefix of its own; restarts keep sessions there',
    ),
});

const duration = z.union([z.string(), z.number()]).refine((v) => {
  try {
    parseDuration(v, '');
    return true;
  } catch {
    return false;
  }
}, 'a duration like 500ms, 30s, 2m or 2h');

const leasesSchema = z.strictObject({
  redis: text.optional().describe("a Redis URL the lab's runs share (any host); without it: lock files on this host"),
  ttl: duration.optional().describe('how long a lease lasts without a heartbeat (default 30s)'),
  wait: duration.optional().describe('how long a run waits for a device another run holds (default 10m)'),
});

export const labSchema = z.strictObject({
  $schema: z.string().optional(),
  device: deviceSchema.optional().describe('the device under test'),
  devices: z
    .array(deviceSchema)
    .min(1)
    .optional()
    .describe('several devices (places): a run tests each, or one free one with --any-device'),
  broker: brokerSchema.optional(),
  leases: leasesSchema
    .optional()
    .describe('lease the device for each run, so that runs sharing the lab never drive it at once'),
});

/** a lab's leases, durations in ms */
export interface LabLeases {
  redis?: string;
  ttlMs: number;
  waitMs: number;
}

export type LabDevice = z.infer<typeof deviceSchema>;
export type LabBroker = z.infer<typeof brokerSchema>;

/** a validated lab: paths resolved against the lab file, the device's profile loaded */
export interface LabConfig {
  /** none for the built-in lab */
  file?: string;
  device: LabDevice & { profileFile?: string };
  profile?: Profile;
  broker: LabBroker;
  /** when the lab leases its device (C8Y_HIL_LEASES names a Redis URL too) */
  leases?: LabLeases;
  /** a lab of several devices: each of them (`device` is the one C8Y_HIL_LAB_DEVICE names, else the first) */
  places?: Place[];
}

/** one of a lab's devices, as the run picks and reports them */
export interface Place {
  name: string;
  id: string;
  driver: string;
  tags: Record<string, string>;
}

/** a lab file with mistakes: `problems` holds every one, each naming the file and the field */
export class LabFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the lab file:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'LabFileError';
  }
}

/** the JSON Schema editors use (schemas/lab.schema.json is this, checked by a test) */
export function labJsonSchema(): unknown {
  return { title: 'c8y-hil lab file', ...z.toJSONSchema(labSchema, { io: 'input' }) };
}

function fieldOf(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') ||
    '(top)'
  );
}

/** ${NAME} in a lab file is the environment variable NAME, so secrets and ports stay out of it */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) problems.push(`${path}: the environment variable ${name} is not set`);
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, problems)]),
    );
  }
  return value;
}

/** a whole number written as ${PORT} arrives as text: read it as the number it is */
function numbersFromEnv(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(numbersFromEnv);
  if (doc === null || typeof doc !== 'object') return doc;
  return Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [
      k,
      typeof v === 'string' && /^(port|mqtt|mqtts|ws|wss|baudRate)$/.test(k) && /^\d+$/.test(v)
        ? Number(v)
        : numbersFromEnv(v),
    ]),
  );
}

/** what the driver needs from the device entry, beyond the schema (read loosely: the schema may have failed) */
function driverProblems(d: Record<string, unknown>, at = 'device'): string[] {
  const needs: Record<string, [string, string]> = {
    serial: ['serial', 'the serial driver needs serial.path or serial.usb'],
    tcp: ['tcp', 'the tcp driver needs tcp.host and tcp.port'],
  };
  const driver = typeof d.driver === 'string' ? d.driver : undefined;
  if (driver === undefined || !(DRIVER_NAMES as readonly string[]).includes(driver)) return [];
  const n = needs[driver];
  const out: string[] = [];
  if (n && d[n[0]] === undefined) out.push(`${at}.${n[0]}: missing; ${n[1]}`);
  if (driver !== 'emulated' && d.profile === undefined) {
    out.push(`${at}.profile: missing; the ${driver} driver needs a device profile`);
  }
  if (d.faults !== undefined && driver !== 'emulated')
    out.push(`${at}.faults: only the emulated driver has fault switches`);
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Validate a parsed lab document; every problem at once. Relative paths are read against `file`. */
export function validateLab(doc: unknown, file: string, env: NodeJS.ProcessEnv = process.env): LabConfig {
  const problems: string[] = [];
  const expanded = numbersFromEnv(interpolate(doc ?? {}, env, '', problems));
  const parsed = labSchema.safeParse(expanded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${fieldOf(issue.path)}: ${issue.message}`);
  }
  const raw = isMap(expanded) ? expanded : {};
  const many = Array.isArray(raw.devices) ? raw.devices.filter(isMap) : undefined;
  if (many && raw.device !== undefined) problems.push('device, devices: give one device or a list of them, not both');
  many?.forEach((d, i) => problems.push(...driverProblems(d, `devices[${i}]`)));
  const picked = many ? pickDevice(many, env, problems) : -1;
  const rawDevice = many
    ? (many[picked] ?? { driver: 'emulated' })
    : isMap(raw.device)
      ? raw.device
      : { driver: 'emulated' };
  if (!many) problems.push(...driverProblems(rawDevice));
  const here = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));
  const rawBroker = isMap(raw.broker) ? raw.broker : {};
  const templates = typeof rawBroker.templates === 'string' ? here(rawBroker.templates) : undefined;
  if (templates !== undefined && !existsSync(templates)) problems.push(`broker.templates: no such file ${templates}`);
  let profile: Profile | undefined;
  const profileFile = typeof rawDevice.profile === 'string' ? here(rawDevice.profile) : undefined;
  if (profileFile !== undefined) {
    try {
      profile = loadProfile(profileFile);
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      problems.push(`device.profile: ${err.message}`);
    }
  }
  if (profile && rawDevice.driver === 'agent' && !profile.agent) {
    problems.push(
      `device.profile: ${profileFile} has no agent section, which the agent driver needs (config and process)`,
    );
  }
  if (problems.length > 0 || !parsed.success) throw new LabFileError(file, problems);
  const device: LabDevice = parsed.data.devices?.[picked] ?? parsed.data.device ?? builtInLab(env).device;
  const places = parsed.data.devices?.map((d) => ({
    name: d.name ?? d.id,
    id: d.id,
    driver: d.driver,
    tags: d.tags ?? {},
  }));
  const broker: LabBroker = { ...(parsed.data.broker ?? {}), ...(templates ? { templates } : {}) };
  const l = parsed.data.leases;
  const leases = l && {
    ...(l.redis ? { redis: l.redis } : {}),
    ttlMs: l.ttl === undefined ? 30_000 : parseDuration(l.ttl, 'leases.ttl'),
    waitMs: l.wait === undefined ? 600_000 : parseDuration(l.wait, 'leases.wait'),
  };
  return {
    file,
    device: { ...device, ...(profileFile ? { profileFile } : {}) },
    profile,
    broker,
    ...(leases ? { leases } : {}),
    ...(places ? { places } : {}),
  };
}

/** the device of a lab of several that C8Y_HIL_LAB_DEVICE names (by name or id), else the first */
function pickDevice(devices: Record<string, unknown>[], env: NodeJS.ProcessEnv, problems: string[]): number {
  const wanted = env.C8Y_HIL_LAB_DEVICE;
  if (!wanted) return 0;
  const i = devices.findIndex((d) => d.name === wanted || d.id === wanted);
  if (i < 0) {
    const names = devices.map((d) => String(d.name ?? d.id)).join(', ');
    problems.push(`C8Y_HIL_LAB_DEVICE: no device '${wanted}' in devices (${names})`);
    return 0;
  }
  return i;
}

export function loadLab(file: string, env: NodeJS.ProcessEnv = process.env): LabConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new LabFileError(file, [`cannot read the lab file: ${why}`]);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new LabFileError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateLab(doc, file, env);
}

/** the lab when no lab file is given: the built-in emulated device on an ephemeral broker */
export function builtInLab(env: NodeJS.ProcessEnv = process.env): LabConfig {
  // the run names the device once, so its first line and every worker agree
  env.C8Y_HIL_EMULATED_ID ??= `HIL-EMU-${process.pid}`;
  return { device: { id: env.C8Y_HIL_EMULATED_ID, driver: 'emulated' }, broker: {} };
}

/**
 * The lab of this run: the file in cucumber's worldParameters.lab or C8Y_HIL_LAB; the older
 * C8Y_HIL_PROFILE + C8Y_HIL_TTY + C8Y_HIL_DEVICE_ID (a board on a tty); else the built-in one.
 */
export function labOfRun(env: NodeJS.ProcessEnv = process.env, worldLab?: string): LabConfig {
  const file = worldLab ?? env.C8Y_HIL_LAB;
  if (file) return loadLab(file, env);
  if (env.C8Y_HIL_PROFILE || env.C8Y_HIL_TTY) {
    const doc = {
      device: {
        id: env.C8Y_HIL_DEVICE_ID,
        driver: 'serial',
        profile: env.C8Y_HIL_PROFILE,
        serial: { path: env.C8Y_HIL_TTY },
      },
    };
    return validateLab(doc, '(C8Y_HIL_PROFILE, C8Y_HIL_TTY, C8Y_HIL_DEVICE_ID)', env);
  }
  return builtInLab(env);
}

/** the run's first line: which device, through which driver, from which lab file */
export function describeLab(lab: LabConfig): string {
  const d = lab.device;
  if (!lab.file) return `c8y-hil: no lab file: testing the built-in emulated device ${d.id} (give one with --lab FILE)`;
  const name = d.name ? `${d.name} (${d.id})` : d.id;
  return (
    `c8y-hil: lab ${lab.file}: testing ${name} through the ${d.driver} driver` +
    (lab.profile ? `, profile ${lab.profile.name}` : '')
  );
}
