// Every documented downstream static template (SPEC 6): operations on s/ds as
// `<id>,<external id of the target>,<params…>`, and the answers 106, 124, 601, 603. Each parameter
// is named as the key it has in the operation's JSON fragment, which is what custom response
// templates read. 512, 514 and 531 are not documented.
import type { DownParam, DownstreamTemplate } from './types.ts';

const has = (f: unknown, key: string) => f !== null && typeof f === 'object' && key in f;
const ps = (...names: string[]): DownParam[] => names.map((name) => ({ name }));

/** 527: $FW name,version,url,isPatch,dependency  $SW (name,version,url,action)…  $CONF (url,type)… */
const PROFILE_SECTIONS = {
  $FW: ['name', 'version', 'url', 'isPatch', 'dependency'],
  $SW: ['name', 'version', 'url', 'action'],
  $CONF: ['url', 'type'],
} as const;

function profileSections(params: readonly string[]): Record<string, string[]> | string {
  const out: Record<string, string[]> = {};
  let current: string | undefined;
  for (const p of params) {
    if (p in PROFILE_SECTIONS) {
      if (out[p]) return `${p} appears twice`;
      current = p;
      out[p] = [];
      continue;
    }
    if (!current) return `the parameters must start with $FW, $SW or $CONF, not '${p}'`;
    out[current]!.push(p);
  }
  return out;
}

const zip = (keys: readonly string[], values: readonly string[]) =>
  Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
const chunks = (values: readonly string[], size: number) =>
  Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, i * size + size));

const deviceProfile: NonNullable<DownstreamTemplate['shape']> = {
  check(params) {
    const s = profileSections(params);
    if (typeof s === 'string') return s;
    for (const [section, keys] of Object.entries(PROFILE_SECTIONS)) {
      const n = s[section]?.length ?? 0;
      const ok = section === '$FW' ? n === 0 || n === keys.length : n % keys.length === 0;
      if (!ok)
        return `${section} takes ${section === '$FW' ? '' : 'groups of '}${keys.length} values (${keys.join(', ')}); got ${n}`;
    }
    return undefined;
  },
  toJson(params) {
    const s = profileSections(params) as Record<string, string[]>;
    return {
      ...(s.$FW?.length ? { firmware: { ...zip(PROFILE_SECTIONS.$FW, s.$FW), isPatch: s.$FW[3] === 'true' } } : {}),
      software: chunks(s.$SW ?? [], 4).map((g) => zip(PROFILE_SECTIONS.$SW, g)),
      configuration: chunks(s.$CONF ?? [], 2).map((g) => zip(PROFILE_SECTIONS.$CONF, g)),
    };
  },
  fromJson(f) {
    if (f === null || typeof f !== 'object') return undefined;
    const p = f as {
      firmware?: Record<string, unknown>;
      software?: Record<string, unknown>[];
      configuration?: Record<string, unknown>[];
    };
    const text = (o: Record<string, unknown> | undefined, k: string) =>
      o?.[k] === undefined || o[k] === null ? '' : String(o[k]);
    return [
      '$FW',
      ...(p.firmware ? PROFILE_SECTIONS.$FW.map((k) => text(p.firmware, k)) : []),
      '$SW',
      ...(p.software ?? []).flatMap((x) => PROFILE_SECTIONS.$SW.map((k) => text(x, k))),
      '$CONF',
      ...(p.configuration ?? []).flatMap((x) => PROFILE_SECTIONS.$CONF.map((k) => text(x, k))),
    ];
  },
};

export const DOWNSTREAM_TEMPLATES: readonly DownstreamTemplate[] = [
  { id: 106, name: 'children (answer to 105)', params: [], repeat: ps('child') },
  { id: 124, name: 'managed object id (answer to 123)', params: ps('id') },
  { id: 510, name: 'restart', fragment: 'c8y_Restart', params: [] },
  { id: 511, name: 'command', fragment: 'c8y_Command', params: ps('text') },
  { id: 513, name: 'configuration', fragment: 'c8y_Configuration', params: ps('config') },
  { id: 515, name: 'firmware', fragment: 'c8y_Firmware', params: ps('name', 'version', 'url') },
  { id: 516, name: 'software list', fragment: 'c8y_SoftwareList', params: [], repeat: ps('name', 'version', 'url') },
  { id: 517, name: 'measurement request', fragment: 'c8y_MeasurementRequestOperation', params: ps('requestName') },
  { id: 518, name: 'relay', fragment: 'c8y_Relay', params: [{ name: 'relayState', values: ['OPEN', 'CLOSED'] }] },
  { id: 519, name: 'relay array', fragment: 'c8y_RelayArray', params: [], repeat: ps('state') },
  { id: 520, name: 'upload configuration', fragment: 'c8y_UploadConfigFile', params: [] },
  { id: 521, name: 'download configuration', fragment: 'c8y_DownloadConfigFile', params: ps('url') },
  {
    id: 522,
    name: 'log file request',
    fragment: 'c8y_LogfileRequest',
    params: ps('logFile', 'dateFrom', 'dateTo', 'searchText', 'maximumLines'),
  },
  { id: 523, name: 'communication mode', fragment: 'c8y_CommunicationMode', params: ps('mode') },
  {
    id: 524,
    name: 'download configuration (typed)',
    fragment: 'c8y_DownloadConfigFile',
    params: ps('url', 'type'),
    prefersJson: (f) => has(f, 'type'),
  },
  {
    id: 525,
    name: 'firmware patch',
    fragment: 'c8y_Firmware',
    params: ps('name', 'version', 'url', 'dependency'),
    prefersJson: (f) => has(f, 'dependency') || (f as { isPatch?: unknown }).isPatch === true,
  },
  {
    id: 526,
    name: 'upload configuration (typed)',
    fragment: 'c8y_UploadConfigFile',
    params: ps('type'),
    prefersJson: (f) => has(f, 'type'),
  },
  { id: 527, name: 'device profile', fragment: 'c8y_DeviceProfile', params: [], shape: deviceProfile },
  {
    id: 528,
    name: 'software update',
    fragment: 'c8y_SoftwareUpdate',
    params: [],
    repeat: ps('name', 'version', 'url', 'action'),
  },
  {
    id: 529,
    name: 'advanced software update',
    fragment: 'c8y_SoftwareUpdate',
    params: [],
    repeat: ps('name', 'version', 'softwareType', 'url', 'action'),
    prefersJson: (f) => Array.isArray(f) && f.some((x) => has(x, 'softwareType')),
  },
  {
    id: 530,
    name: 'remote access connect',
    fragment: 'c8y_RemoteAccessConnect',
    params: ps('hostname', 'port', 'connectionKey'),
  },
  {
    id: 532,
    name: 'parameter update',
    fragment: 'c8y_ParameterUpdate',
    params: [],
    repeat: ps('path', 'type', 'value'),
  },
  { id: 601, name: 'platform version (answer to 600)', params: ps('version') },
  { id: 603, name: 'supported templates (answer to 602)', params: [], repeat: ps('id') },
];
