// Device profiles: YAML that says how to do each action on a firmware's console. A new board is
// supported by writing one. Loading validates every field and names the file and field at fault.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { TRANSPORTS, type Transport } from '../broker/options.ts';

export interface Step {
  /** the line to send, with {variables}; none to only wait */
  send?: string;
  /** a line that proves success; none to not wait */
  expect?: RegExp;
  /** a line that proves failure */
  fail?: RegExp;
  timeoutMs: number;
  /** run the step only when this variable is set and not empty */
  if?: string;
}

export interface AgentSpec {
  /** the config file the agent reads: its name, and its text with {variables} (host, port, user, …) */
  config: { file: string; template: string };
  /** how it runs: a command ({configFile} is the rendered file's path) or a container image */
  process?: { command: string; args: string[]; env: Record<string, string> };
  container?: { image: string; command: string[]; env: Record<string, string> };
}

/** what the device can do, as far as the scenarios need to know (SPEC: never assume the emulator's) */
export interface Capabilities {
  /** transports the device speaks (default: all four) */
  transports: Transport[];
  /** operations (fragments) the device supports; undefined: every one the scenarios use */
  operations?: string[];
  /** whether it can log in with a client certificate (default: its configure action uses {cert}) */
  certificates: boolean;
}

/** how the device answers, where the seed leaves it open; undefined: any answer the seed allows */
export interface Expectations {
  /** the result of c8y_Command, with {command}: "executed: {command}" */
  commandResult?: string;
  /** whether it reports a configuration it was sent with 113 */
  configurationReported: boolean;
  /** fragment and series of the temperature its measure action sends */
  temperature: { fragment: string; series: string };
  /** an operation it does not support: fail it (502), ignore it (PENDING), or either */
  unsupported: 'fail' | 'ignore' | 'any';
  /** the console line it prints when it notices its link is gone */
  linkGone?: RegExp;
}

export interface Timeouts {
  /** from connect to registered and subscribed to s/ds, in the record */
  readyMs: number;
  /** the least time an operation is given to end (a real restart takes a while) */
  operationMs: number;
}

export interface Profile {
  file: string;
  name: string;
  description?: string;
  console: { baudRate: number; newline: string; reattachTimeoutMs: number };
  /** for a device that is a command (the process driver) */
  process?: { command: string; args: string[]; env: Record<string, string> };
  /** for a device shipped as a container image (the container driver) */
  container?: { image: string; command: string[]; env: Record<string, string> };
  variables: Record<string, string>;
  actions: Record<string, Step[]>;
  capabilities: Capabilities;
  expect: Expectations;
  timeouts: Timeouts;
  /** for a device with no console (the agent driver): its config file and how to start it */
  agent?: AgentSpec;
  /** values the scenarios send that the device must accept: a configuration text, a command */
  examples: { configuration: string; command: string };
}

/** the actions every profile must say how to do */
export const REQUIRED_ACTIONS = ['reset', 'configure', 'connect', 'disconnect'] as const;

export class ProfileError extends Error {}

const ENCODINGS = ['json', 'hex', 'base64', 'escaped', 'raw'] as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '5s', '500ms', '2m', '2h' or a number of milliseconds */
export function parseDuration(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v.trim()) : null;
  if (!m) throw new ProfileError(`${where}: '${String(v)}' is not a duration (like 500ms, 5s, 2m or 2h)`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ProfileError(
    `${where}: expected text, found ${v === null ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v}`,
  );
}

function regex(v: unknown, where: string): RegExp {
  const s = str(v, where);
  try {
    return new RegExp(s);
  } catch (err) {
    throw new ProfileError(`${where}: '${s}' is not a valid regular expression (${(err as Error).message})`);
  }
}

function checkTemplate(t: string, where: string): void {
  for (const m of t.matchAll(/\{\{|\}\}|\{([^{}]*)\}/g)) {
    if (m[0] === '{{' || m[0] === '}}') continue;
    const [name, enc] = (m[1] ?? '').split(':');
    if (!name || !/^[A-Za-z_][\w]*$/.test(name))
      throw new ProfileError(`${where}: '{${m[1]}}' is not a variable (write {name} or {name:json})`);
    if (enc !== undefined && !(ENCODINGS as readonly string[]).includes(enc))
      throw new ProfileError(`${where}: unknown encoding '${enc}' in '{${m[1]}}' (use ${ENCODINGS.join(', ')})`);
  }
}

const STEP_KEYS = new Set(['send', 'expect', 'fail', 'timeout', 'if']);

function readStep(v: unknown, where: string, defaultTimeout: number): Step {
  if (!isMap(v)) throw new ProfileError(`${where}: a step must be a mapping with send, expect, fail, timeout or if`);
  for (const k of Object.keys(v))
    if (!STEP_KEYS.has(k))
      throw new ProfileError(`${where}.${k}: unknown field (a step has send, expect, fail, timeout, if)`);
  if (v.send === undefined && v.expect === undefined)
    throw new ProfileError(`${where}: a step needs send, expect or both`);
  const step: Step = {
    timeoutMs: v.timeout === undefined ? defaultTimeout : parseDuration(v.timeout, `${where}.timeout`),
  };
  if (v.send !== undefined) {
    step.send = str(v.send, `${where}.send`);
    checkTemplate(step.send, `${where}.send`);
  }
  if (v.expect !== undefined) step.expect = regex(v.expect, `${where}.expect`);
  if (v.fail !== undefined) step.fail = regex(v.fail, `${where}.fail`);
  if (v.if !== undefined) step.if = str(v.if, `${where}.if`);
  return step;
}

/** a `process:` or `container:` section: what to start, a list of arguments, an environment */
function readLaunch(
  v: unknown,
  at: (f: string) => string,
  section: string,
  whatKey: string,
  listKey: string,
): { what: string; list: string[]; env: Record<string, string> } {
  if (!isMap(v) || v[whatKey] === undefined)
    throw new ProfileError(`${at(section)}: must be a mapping with ${whatKey} (and ${listKey}, env)`);
  const list = v[listKey] ?? [];
  if (!Array.isArray(list)) throw new ProfileError(`${at(`${section}.${listKey}`)}: must be a list`);
  const env = v.env ?? {};
  if (!isMap(env)) throw new ProfileError(`${at(`${section}.env`)}: must be a mapping`);
  const template = (x: unknown, field: string) => {
    const s = str(x, at(field));
    checkTemplate(s, at(field));
    return s;
  };
  return {
    what: str(v[whatKey], at(`${section}.${whatKey}`)),
    list: list.map((a, i) => template(a, `${section}.${listKey}[${i}]`)),
    env: Object.fromEntries(Object.entries(env).map(([k, x]) => [k, template(x, `${section}.env.${k}`)])),
  };
}

const TOP_KEYS = new Set([
  'name',
  'description',
  'console',
  'process',
  'container',
  'timeout',
  'variables',
  'actions',
  'capabilities',
  'expect',
  'timeouts',
  'examples',
  'agent',
]);

/** the `process:` and `container:` sections of a mapping (the profile's, or its agent's) */
function readLaunches(
  m: Record<string, unknown>,
  at: (f: string) => string,
  prefix: string,
): Pick<Profile, 'process' | 'container'> {
  const out: Pick<Profile, 'process' | 'container'> = {};
  if (m.process !== undefined) {
    const l = readLaunch(m.process, at, `${prefix}process`, 'command', 'args');
    out.process = { command: l.what, args: l.list, env: l.env };
  }
  if (m.container !== undefined) {
    const l = readLaunch(m.container, at, `${prefix}container`, 'image', 'command');
    out.container = { image: l.what, command: l.list, env: l.env };
  }
  return out;
}

function readAgent(doc: Record<string, unknown>, at: (f: string) => string): AgentSpec | undefined {
  if (doc.agent === undefined) return undefined;
  const a = strictMap(doc.agent, at('agent'), ['config', 'process', 'container']);
  const c = strictMap(a.config, at('agent.config'), ['file', 'template']);
  if (c.file === undefined || c.template === undefined)
    throw new ProfileError(`${at('agent.config')}: needs file and template`);
  const template = str(c.template, at('agent.config.template'));
  checkTemplate(template, at('agent.config.template'));
  const spec: AgentSpec = { config: { file: str(c.file, at('agent.config.file')), template } };
  Object.assign(spec, readLaunches(a, at, 'agent.'));
  if (!spec.process && !spec.container)
    throw new ProfileError(`${at('agent')}: needs process or container: how the agent is started`);
  return spec;
}

function strictMap(v: unknown, where: string, keys: string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isMap(v)) throw new ProfileError(`${where}: must be a mapping (${keys.join(', ')})`);
  for (const k of Object.keys(v))
    if (!keys.includes(k)) throw new ProfileError(`${where}.${k}: unknown field (it has ${keys.join(', ')})`);
  return v;
}

function list(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw new ProfileError(`${where}: must be a list`);
  return v.map((x, i) => str(x, `${where}[${i}]`));
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new ProfileError(`${where}: must be true or false`);
  return v;
}

function readCapabilities(
  doc: Record<string, unknown>,
  at: (f: string) => string,
  actions: Profile['actions'],
): Capabilities {
  const c = strictMap(doc.capabilities, at('capabilities'), ['transports', 'operations', 'certificates']);
  const transports = c.transports === undefined ? [...TRANSPORTS] : list(c.transports, at('capabilities.transports'));
  for (const [i, t] of transports.entries()) {
    if (!(TRANSPORTS as readonly string[]).includes(t))
      throw new ProfileError(
        `${at(`capabilities.transports[${i}]`)}: '${t}' is not a transport (${TRANSPORTS.join(', ')})`,
      );
  }
  const usesCert = (actions.configure ?? []).some((s) => s.send?.includes('{cert'));
  return {
    transports: transports as Transport[],
    ...(c.operations !== undefined ? { operations: list(c.operations, at('capabilities.operations')) } : {}),
    certificates: c.certificates === undefined ? usesCert : bool(c.certificates, at('capabilities.certificates')),
  };
}

function readExpectations(doc: Record<string, unknown>, at: (f: string) => string): Expectations {
  const e = strictMap(doc.expect, at('expect'), [
    'commandResult',
    'configurationReported',
    'temperature',
    'unsupported',
    'linkGone',
  ]);
  const t = strictMap(e.temperature, at('expect.temperature'), ['fragment', 'series']);
  const unsupported = e.unsupported === undefined ? 'any' : str(e.unsupported, at('expect.unsupported'));
  if (!['fail', 'ignore', 'any'].includes(unsupported))
    throw new ProfileError(`${at('expect.unsupported')}: '${unsupported}' is not fail, ignore or any`);
  const out: Expectations = {
    configurationReported:
      e.configurationReported === undefined ? false : bool(e.configurationReported, at('expect.configurationReported')),
    temperature: {
      fragment:
        t.fragment === undefined ? 'c8y_TemperatureMeasurement' : str(t.fragment, at('expect.temperature.fragment')),
      series: t.series === undefined ? 'T' : str(t.series, at('expect.temperature.series')),
    },
    unsupported: unsupported as Expectations['unsupported'],
  };
  if (e.commandResult !== undefined) {
    out.commandResult = str(e.commandResult, at('expect.commandResult'));
    checkTemplate(out.commandResult, at('expect.commandResult'));
  }
  if (e.linkGone !== undefined) out.linkGone = regex(e.linkGone, at('expect.linkGone'));
  return out;
}

function readTimeouts(doc: Record<string, unknown>, at: (f: string) => string): Timeouts {
  const t = strictMap(doc.timeouts, at('timeouts'), ['ready', 'operation']);
  return {
    readyMs: t.ready === undefined ? 10_000 : parseDuration(t.ready, at('timeouts.ready')),
    operationMs: t.operation === undefined ? 0 : parseDuration(t.operation, at('timeouts.operation')),
  };
}

function readExamples(doc: Record<string, unknown>, at: (f: string) => string): Profile['examples'] {
  const x = strictMap(doc.examples, at('examples'), ['configuration', 'command']);
  return {
    configuration: x.configuration === undefined ? 'a=1' : str(x.configuration, at('examples.configuration')),
    command: x.command === undefined ? 'uptime' : str(x.command, at('examples.command')),
  };
}

/** Check a parsed profile document; `file` names it in every error. */
export function validateProfile(input: unknown, file: string): Profile {
  const at = (field: string) => `${file}: ${field}`;
  if (!isMap(input)) throw new ProfileError(`${file}: a profile must be a YAML mapping with name, console and actions`);
  let doc: Record<string, unknown> = input;
  for (const k of Object.keys(doc))
    if (!TOP_KEYS.has(k)) throw new ProfileError(`${at(k)}: unknown field (a profile has ${[...TOP_KEYS].join(', ')})`);
  if (doc.name === undefined) throw new ProfileError(`${at('name')}: missing; every profile needs a name`);
  const name = str(doc.name, at('name'));
  const defaultTimeout = doc.timeout === undefined ? 5000 : parseDuration(doc.timeout, at('timeout'));
  const c = doc.console ?? {};
  if (!isMap(c)) throw new ProfileError(`${at('console')}: must be a mapping (baudRate, newline, reattachTimeout)`);
  const baudRate = c.baudRate === undefined ? 115200 : Number(c.baudRate);
  if (!Number.isInteger(baudRate) || baudRate <= 0)
    throw new ProfileError(`${at('console.baudRate')}: '${String(c.baudRate)}' is not a baud rate`);
  const profile: Profile = {
    file,
    name,
    console: {
      baudRate,
      newline: c.newline === undefined ? '\n' : str(c.newline, at('console.newline')),
      reattachTimeoutMs:
        c.reattachTimeout === undefined ? 10_000 : parseDuration(c.reattachTimeout, at('console.reattachTimeout')),
    },
    variables: {},
    actions: {},
    capabilities: { transports: [...TRANSPORTS], certificates: false },
    expect: readExpectations(doc, at),
    timeouts: readTimeouts(doc, at),
    examples: readExamples(doc, at),
  };
  if (doc.description !== undefined) profile.description = str(doc.description, at('description'));
  if (doc.variables !== undefined) {
    if (!isMap(doc.variables)) throw new ProfileError(`${at('variables')}: must be a mapping of names to values`);
    for (const [k, v] of Object.entries(doc.variables)) profile.variables[k] = str(v, at(`variables.${k}`));
  }
  Object.assign(profile, readLaunches(doc, at, ''));
  const agent = readAgent(doc, at);
  if (agent) profile.agent = agent;
  // an agent has no console: its actions are starting and stopping it
  if (agent && doc.actions === undefined) doc = { ...doc, actions: {} };
  if (!isMap(doc.actions))
    throw new ProfileError(
      `${at('actions')}: missing or not a mapping; it must say how to do ${REQUIRED_ACTIONS.join(', ')}`,
    );
  for (const [k, v] of Object.entries(doc.actions)) {
    const steps = Array.isArray(v) ? v : [v];
    if (steps.length === 0) throw new ProfileError(`${at(`actions.${k}`)}: an action needs at least one step`);
    profile.actions[k] = steps.map((s, i) =>
      readStep(s, at(`actions.${k}${Array.isArray(v) ? `[${i}]` : ''}`), defaultTimeout),
    );
  }
  for (const a of agent ? [] : REQUIRED_ACTIONS)
    if (!profile.actions[a])
      throw new ProfileError(`${at(`actions.${a}`)}: missing; every profile must say how to ${a}`);
  profile.capabilities = readCapabilities(doc, at, profile.actions);
  return profile;
}

export function loadProfile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProfileError(
      `cannot read the device profile ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ProfileError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateProfile(doc, file);
}

function encode(value: string, enc: string | undefined): string {
  switch (enc) {
    case 'json':
      return JSON.stringify(value);
    case 'hex':
      return Buffer.from(value, 'utf8').toString('hex');
    case 'base64':
      return Buffer.from(value, 'utf8').toString('base64');
    // C-style escapes without quotes, for consoles that read a\nb as a line break
    case 'escaped':
      return value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
    default:
      return value;
  }
}

/** Fill a template's {variables}; a missing one is an error that names the template's place. */
export function expand(template: string, vars: Record<string, string | undefined>, where: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, inner: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const [name, enc] = (inner ?? '').split(':') as [string, string | undefined];
    const v = vars[name];
    if (v === undefined)
      throw new ProfileError(
        `${where}: the variable '${name}' has no value (known: ${Object.keys(vars)
          .filter((k) => vars[k] !== undefined)
          .sort()
          .join(', ')})`,
      );
    return encode(v, enc);
  });
}
