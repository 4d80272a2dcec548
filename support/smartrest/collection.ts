// SmartREST 2.0 template collections (SPEC 9): request templates (10) and response templates
// (11) read from their lines, a device's line read against a request template, and an object
// rendered by the response templates. Pure: the platform model decides what the values do.
import { fieldText, pathExists, resolvePath, setPath } from './json-path.ts';
import { SEVERITIES } from './catalogue/index.ts';
import { isIsoTime } from './upstream.ts';

export const VALUE_TYPES = [
  'STRING',
  'DATE',
  'NUMBER',
  'INTEGER',
  'UNSIGNED',
  'FLAG',
  'SEVERITY',
  'ALARMSTATUS',
  'OPERATIONSTATUS',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export type Api = 'INVENTORY' | 'MEASUREMENT' | 'ALARM' | 'EVENT' | 'OPERATION';
export type Method = 'GET' | 'PUT' | 'POST';

/** a value of a request template: fixed in the template, or (value undefined) sent by the device */
export interface ValueSpec {
  path: string;
  type: ValueType;
  value?: string;
}

export interface RequestTemplate {
  msgId: string;
  method: Method;
  api: Api;
  response: boolean;
  /** INVENTORY GET/PUT: the object is named by its id (true) or an external id */
  byId?: boolean;
  externalIdType?: string;
  mandatory: ValueSpec[];
  custom: ValueSpec[];
}

export interface ResponseTemplate {
  msgId: string;
  base: string;
  condition: string;
  patterns: string[];
}

export interface CollectionDefinition {
  requests: Map<string, RequestTemplate>;
  responses: ResponseTemplate[];
}

const ALLOWED: Record<Api, Method[]> = {
  INVENTORY: ['GET', 'POST', 'PUT'],
  ALARM: ['POST', 'PUT'],
  EVENT: ['POST'],
  MEASUREMENT: ['POST'],
  OPERATION: ['PUT'],
};

/** the mandatory values of each API and method, in their order on the 10 line */
const MANDATORY: Partial<Record<`${Api} ${Method}`, [string, ValueType][]>> = {
  'MEASUREMENT POST': [
    ['type', 'STRING'],
    ['time', 'DATE'],
  ],
  'EVENT POST': [
    ['type', 'STRING'],
    ['text', 'STRING'],
    ['time', 'DATE'],
  ],
  'ALARM POST': [
    ['type', 'STRING'],
    ['text', 'STRING'],
    ['status', 'ALARMSTATUS'],
    ['severity', 'SEVERITY'],
    ['time', 'DATE'],
  ],
  'ALARM PUT': [['type', 'STRING']],
  'OPERATION PUT': [['fragment', 'STRING']],
};

export class TemplateError extends Error {
  constructor(
    readonly line: number,
    readonly msgId: string,
    message: string,
  ) {
    super(message);
  }
}

const valueOf = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

function requestTemplate(f: string[], line: number): RequestTemplate {
  const [, msgId = '', method = '', api = '', response = ''] = f;
  const bad = (why: string) => new TemplateError(line, msgId, `request template ${msgId || '(no id)'}: ${why}`);
  if (!msgId) throw bad('the message id (field 2) is empty');
  if (!(api in ALLOWED)) throw bad(`the API (field 4) must be one of ${Object.keys(ALLOWED).join(', ')}, not '${api}'`);
  if (!ALLOWED[api as Api].includes(method as Method))
    throw bad(`${api} takes ${ALLOWED[api as Api].join(' or ')}, not '${method}'`);
  if (!/^(|true|false)$/i.test(response))
    throw bad(`response (field 5) must be true, false or empty, not '${response}'`);
  const t: RequestTemplate = {
    msgId,
    method: method as Method,
    api: api as Api,
    response: response === '' ? method === 'GET' : response.toLowerCase() === 'true',
    mandatory: [],
    custom: [],
  };
  let rest = f.slice(5);
  if (api === 'INVENTORY' && method !== 'POST') {
    if (!/^(true|false)$/i.test(rest[0] ?? ''))
      throw bad(`byId (field 6) must be true or false, not '${rest[0] ?? ''}'`);
    t.byId = rest[0]!.toLowerCase() === 'true';
    if (valueOf(rest[1])) t.externalIdType = rest[1];
    rest = rest.slice(2);
    if (method === 'GET' && rest.some((x) => x !== ''))
      throw bad('GET templates take no values after byId and externalIdType');
  } else if (api === 'INVENTORY') {
    if (valueOf(rest[0])) t.externalIdType = rest[0];
    rest = rest.slice(1);
  } else {
    const specs = MANDATORY[`${t.api} ${t.method}`]!;
    t.mandatory = specs.map(([path, type], i) => ({ path, type, ...(valueOf(rest[i]) ? { value: rest[i] } : {}) }));
    rest = rest.slice(specs.length);
  }
  for (let i = 0; i < rest.length; i += 3) {
    const [path = '', type = '', value] = rest.slice(i, i + 3);
    if (!path) {
      if (type || value) throw bad(`custom value ${i / 3 + 1} has no path`);
      continue;
    }
    const vt = (type || 'STRING').toUpperCase();
    if (!(VALUE_TYPES as readonly string[]).includes(vt))
      throw bad(`custom value ${path} has the type '${type}'; types are ${VALUE_TYPES.join(', ')}`);
    t.custom.push({ path, type: vt as ValueType, ...(valueOf(value) ? { value } : {}) });
  }
  return t;
}

function responseTemplate(f: string[], line: number): ResponseTemplate {
  const [, msgId = '', base = '', condition = '', ...patterns] = f;
  if (!msgId) throw new TemplateError(line, msgId, 'response template: the message id (field 2) is empty');
  const ps = patterns.map((p) => p.trim()).filter((p) => p !== '');
  if (ps.length === 0)
    throw new TemplateError(
      line,
      msgId,
      `response template ${msgId}: it needs at least one pattern after base and condition`,
    );
  return { msgId, base: base.trim(), condition: condition.trim(), patterns: ps };
}

/** a collection from its 10 and 11 lines (as field lists); throws TemplateError naming the line */
export function defineCollection(lines: readonly string[][]): CollectionDefinition {
  const requests = new Map<string, RequestTemplate>();
  const responses: ResponseTemplate[] = [];
  const ids = new Set<string>();
  lines.forEach((f, i) => {
    const kind = f[0];
    if (kind !== '10' && kind !== '11')
      throw new TemplateError(
        i,
        f[1] ?? '',
        `a collection holds only 10 (request) and 11 (response) lines, not '${kind}'`,
      );
    const t = kind === '10' ? requestTemplate(f, i) : responseTemplate(f, i);
    if (ids.has(t.msgId))
      throw new TemplateError(
        i,
        t.msgId,
        `the message id ${t.msgId} is used twice; message ids are unique within a collection`,
      );
    ids.add(t.msgId);
    if (kind === '10') requests.set(t.msgId, t as RequestTemplate);
    else responses.push(t as ResponseTemplate);
  });
  if (lines.length === 0) throw new TemplateError(0, '', 'a collection needs at least one 10 or 11 line');
  return { requests, responses };
}

// ---- a device's line read against a request template --------------------------------------------

export interface RequestValues {
  /** INVENTORY GET/PUT/POST: how the object is named */
  key?: { id?: string; externalIdType?: string; externalId?: string };
  /** the object the request sends: mandatory and custom values at their paths */
  body: Record<string, unknown>;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const STATUSES: Partial<Record<ValueType, readonly string[]>> = {
  SEVERITY: SEVERITIES,
  ALARMSTATUS: ['ACTIVE', 'ACKNOWLEDGED', 'CLEARED'],
  OPERATIONSTATUS: ['PENDING', 'EXECUTING', 'SUCCESSFUL', 'FAILED'],
};

/** a value as the object holds it, or why it is not of its type */
function typed(spec: ValueSpec, raw: string): { ok: true; value: unknown } | { ok: false; why: string } {
  const bad = { ok: false as const, why: `${spec.path} must be ${spec.type}, not '${raw}'` };
  switch (spec.type) {
    case 'NUMBER':
      return NUMBER.test(raw) ? { ok: true, value: Number(raw) } : bad;
    case 'INTEGER':
      return /^[+-]?\d+$/.test(raw) ? { ok: true, value: Number(raw) } : bad;
    case 'UNSIGNED':
      return /^\d+$/.test(raw) ? { ok: true, value: Number(raw) } : bad;
    case 'DATE':
      return isIsoTime(raw) ? { ok: true, value: raw } : bad;
    case 'FLAG':
      return { ok: true, value: {} };
    case 'STRING':
      return { ok: true, value: raw };
    default:
      return STATUSES[spec.type]!.includes(raw.toUpperCase()) ? { ok: true, value: raw.toUpperCase() } : bad;
  }
}

/**
 * The values of a device's line (after its message id), in the template's order: the object's key
 * (INVENTORY), then every mandatory and custom value the template leaves empty. A DATE left empty is
 * the server's time; an empty custom value is left out. Throws with the reason when a value does not fit.
 */
export function readRequest(t: RequestTemplate, fields: readonly string[]): RequestValues {
  const values = [...fields];
  const take = () => values.shift() ?? '';
  const out: RequestValues = { body: {} };
  if (t.api === 'INVENTORY') {
    if (t.method !== 'POST') {
      out.key = t.byId
        ? { id: take() }
        : t.externalIdType
          ? { externalIdType: t.externalIdType, externalId: take() }
          : { externalIdType: take(), externalId: take() };
    } else {
      const externalId = take();
      out.key = { externalId, externalIdType: t.externalIdType ?? take() };
    }
  }
  for (const spec of [...t.mandatory, ...t.custom]) {
    if (spec.type === 'FLAG') {
      setPath(out.body, spec.path, {});
      continue;
    }
    const raw = spec.value ?? take();
    if (raw === '') {
      if (spec.type === 'DATE') setPath(out.body, spec.path, new Date().toISOString());
      continue;
    }
    const v = typed(spec, raw);
    if (!v.ok) throw new Error(v.why);
    setPath(out.body, spec.path, v.value);
  }
  const extra = values.filter((v) => v !== '');
  if (extra.length > 0)
    throw new Error(
      `template ${t.msgId} takes ${fields.length - values.length} values; ${values.length} more were sent`,
    );
  return out;
}

// ---- objects rendered by response templates ---------------------------------------------------

/**
 * One line per response template whose condition holds on the object (tested on the whole object;
 * no condition always holds). Patterns are read under the base; one that does not resolve is an
 * empty field, and [*] gives every element as its own field.
 */
export function renderResponses(
  responses: readonly ResponseTemplate[],
  object: unknown,
  prefix: readonly string[],
): string[][] {
  const lines: string[][] = [];
  for (const r of responses) {
    if (r.condition !== '' && !pathExists(object, r.condition)) continue;
    const base = r.base === '' ? object : resolvePath(object, r.base)[0];
    const values = r.patterns.flatMap((p) => {
      const found = base === undefined ? [] : resolvePath(base, p);
      return found.length === 0 ? [''] : found.map(fieldText);
    });
    lines.push([r.msgId, ...prefix, ...values]);
  }
  return lines;
}
