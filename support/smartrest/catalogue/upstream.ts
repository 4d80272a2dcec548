// Every documented upstream static template (SPEC 6), with its parameters and what it does on the
// platform. Sources: Cumulocity's public docs (content/smartrest/mqtt-static-templates.md in
// Cumulocity-IoT/c8y-docs), cross-checked with thin-edge's list of message ids.
import type { Measurement, ParamSpec, PlatformEffects, ReadLine, UpstreamTemplate } from './types.ts';

const text = (name: string, required = false, def?: string): ParamSpec => ({
  name,
  required,
  ...(def !== undefined ? { default: def } : {}),
});
const num = (name: string, required = false): ParamSpec => ({ name, kind: 'number', required });
const int = (name: string, required = false): ParamSpec => ({ name, kind: 'integer', required });
const time: ParamSpec = { name: 'time', kind: 'time' };
const SEVERITY: ParamSpec = { name: 'severity', kind: 'severity', required: true };
const STATUS_TO = {
  501: 'EXECUTING',
  502: 'FAILED',
  503: 'SUCCESSFUL',
  504: 'EXECUTING',
  505: 'FAILED',
  506: 'SUCCESSFUL',
} as const;

/** only the values the line gave, as numbers where the template says so */
function pick(v: Record<string, string>, keys: readonly string[], numeric = false): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of keys) if (v[k] !== undefined) out[k] = numeric ? Number(v[k]) : v[k]!;
  return out;
}
const list = (r: ReadLine, key: string) => r.groups.map((g) => g[key]!).filter((x) => x !== undefined && x !== '');
const groups = (r: ReadLine, keys: readonly string[]) => r.groups.map((g) => pick(g, keys));

function alarm(id: number, severity: string): UpstreamTemplate {
  return {
    id,
    name: `${severity.toLowerCase()} alarm`,
    params: [text('type', true), text('text'), time],
    effect: (p, { values: v }) =>
      p.raiseAlarm(v.type!, severity, v.text ?? `Alarm of type ${v.type} raised`, p.time(v.time)),
  };
}

function location(id: 401 | 402): UpstreamTemplate {
  return {
    id,
    name: id === 401 ? 'location event' : 'location update event',
    params: [num('lat'), num('lng'), num('alt'), num('accuracy'), time],
    effect: (p, { values: v }) => {
      const position = pick(v, ['lat', 'lng', 'alt', 'accuracy'], true);
      p.createEvent('c8y_LocationUpdate', 'Location updated', p.time(v.time), { c8y_Position: position });
      if (id === 402) p.setFragment('c8y_Position', position);
    },
  };
}

function status(id: 501 | 502 | 503 | 504 | 505 | 506): UpstreamTemplate {
  const byId = id >= 504;
  const key = byId ? 'id' : 'fragment';
  const to = STATUS_TO[id];
  return {
    id,
    name: `operation ${to}${byId ? ' (by id)' : ''}`,
    params: [text(key, true), ...(to === 'FAILED' ? [text('reason')] : [])],
    freeRest: to === 'SUCCESSFUL',
    effect: (p, r) =>
      p.setOperationStatus(
        byId ? { id: r.values.id! } : { fragment: r.values.fragment! },
        to,
        to === 'FAILED' ? { reason: r.values.reason ?? '' } : to === 'SUCCESSFUL' ? { result: r.rest.slice(1) } : {},
      ),
  };
}

const ADVANCED_SOFTWARE = [text('name'), text('version'), text('type'), text('url')];
/** advanced software entries as the platform keeps them (type is softwareType there); empty groups dropped */
const software = (r: ReadLine) =>
  r.groups
    .filter((g) => g.name !== undefined)
    .map((g) => ({
      name: g.name!,
      version: g.version ?? '',
      ...(g.type ? { softwareType: g.type } : {}),
      ...(g.url ? { url: g.url } : {}),
    }));

const measurement = (p: PlatformEffects, ms: Omit<Measurement, 'time'>[], t?: string) =>
  p.measure(ms.map((m) => ({ ...m, time: p.time(t) })));

export const UPSTREAM_TEMPLATES: readonly UpstreamTemplate[] = [
  // ---- inventory -----------------------------------------------------------------------------
  {
    id: 100,
    name: 'create device',
    params: [text('name'), text('type', false, 'c8y_MQTTDevice')],
    effect: (p) => {
      if (!p.justCreated) p.refuse(41, 'platform.device-exists', 'Device already existing');
    },
  },
  {
    // the 4th parameter (newer docs) says whether the child is a device: anything but "false" is true
    id: 101,
    name: 'create child device',
    params: [text('childId', true), text('name'), text('type', false, 'c8y_MQTTChildDevice'), text('isDevice')],
    effect: (p, { values: v }) =>
      p.createChild(v.childId!, v.name ?? `MQTT Device ${v.childId}`, v.type!, v.isDevice?.toLowerCase() !== 'false'),
  },
  {
    id: 102,
    name: 'create service',
    params: [
      text('serviceExternalId', true),
      text('serviceType', true),
      text('serviceName', true),
      text('status', true),
    ],
    effect: (p, { values: v }) => p.createService(v.serviceExternalId!, v.serviceType!, v.serviceName!, v.status!),
  },
  {
    id: 104,
    name: 'service status',
    params: [text('status', true)],
    effect: (p, { values: v }) => p.setServiceStatus(v.status!),
  },
  { id: 105, name: 'get children', params: [], effect: (p) => p.answer([106, ...p.children()]) },
  {
    id: 107,
    name: 'remove fragments',
    params: [],
    repeat: [text('fragment', true)],
    minRepeats: 1,
    effect: (p, r) => p.removeFragments(list(r, 'fragment')),
  },
  {
    id: 110,
    name: 'hardware',
    params: [text('serialNumber'), text('model'), text('revision')],
    effect: (p, { values: v }) => p.setFragment('c8y_Hardware', pick(v, ['serialNumber', 'model', 'revision'])),
  },
  {
    id: 111,
    name: 'mobile',
    params: ['imei', 'iccid', 'imsi', 'mcc', 'mnc', 'lac', 'cellId'].map((n) => text(n)),
    effect: (p, { values: v }) =>
      p.setFragment('c8y_Mobile', pick(v, ['imei', 'iccid', 'imsi', 'mcc', 'mnc', 'lac', 'cellId'])),
  },
  {
    id: 112,
    name: 'position',
    params: [num('lat'), num('lng'), num('alt'), num('accuracy')],
    effect: (p, { values: v }) => p.setFragment('c8y_Position', pick(v, ['lat', 'lng', 'alt', 'accuracy'], true)),
  },
  {
    id: 113,
    name: 'configuration',
    params: [text('config')],
    effect: (p, { values: v }) => p.setFragment('c8y_Configuration', { config: v.config ?? '' }),
  },
  {
    id: 114,
    name: 'supported operations',
    params: [],
    repeat: [text('fragment')],
    effect: (p, r) => p.setFragment('c8y_SupportedOperations', list(r, 'fragment')),
  },
  {
    id: 115,
    name: 'firmware',
    params: [text('name'), text('version'), text('url')],
    effect: (p, { values: v }) => p.setFragment('c8y_Firmware', pick(v, ['name', 'version', 'url'])),
  },
  {
    id: 116,
    name: 'software list',
    params: [],
    repeat: [text('name'), text('version'), text('url')],
    effect: (p, r) => p.setFragment('c8y_SoftwareList', groups(r, ['name', 'version', 'url'])),
  },
  {
    // the docs: set only when the device has none yet, so a value set in the UI is not overwritten
    id: 117,
    name: 'required availability',
    params: [int('interval')],
    effect: (p, { values: v }) =>
      p.setFragment('c8y_RequiredAvailability', { responseInterval: Number(v.interval ?? 0) }, { ifAbsent: true }),
  },
  {
    id: 118,
    name: 'supported logs',
    params: [],
    repeat: [text('type')],
    effect: (p, r) => p.setFragment('c8y_SupportedLogs', list(r, 'type')),
  },
  {
    id: 119,
    name: 'supported configurations',
    params: [],
    repeat: [text('type')],
    effect: (p, r) => p.setFragment('c8y_SupportedConfigurations', list(r, 'type')),
  },
  {
    id: 120,
    name: 'installed configuration',
    params: [text('type', true), text('url', true), text('fileName'), time],
    effect: (p, { values: v }) =>
      p.setFragment(`c8y_Configuration_${v.type}`, {
        type: v.type,
        url: v.url,
        name: v.fileName ?? v.type,
        time: p.time(v.time),
      }),
  },
  {
    id: 121,
    name: 'device profile applied',
    params: [text('profileExecuted', true), text('profileId')],
    effect: (p, { values: v }) =>
      p.setFragment('c8y_Profile', {
        profileExecuted: v.profileExecuted!.toLowerCase() === 'true',
        ...pick(v, ['profileId']),
      }),
  },
  {
    id: 122,
    name: 'agent information',
    params: [text('name', true), text('version', true), text('url'), text('maintainer', true)],
    effect: (p, { values: v }) => p.setFragment('c8y_Agent', pick(v, ['name', 'version', 'url', 'maintainer'])),
  },
  { id: 123, name: 'get managed object id', params: [], effect: (p) => p.answer([124, p.managedObjectId()]) },
  {
    id: 125,
    name: 'heartbeat',
    params: [],
    effect: (p) => p.setFragment('c8y_Availability', { lastMessage: p.time() }),
  },
  {
    // "140,,,," clears the list (thin-edge sends it), so empty groups are skipped, not refused
    id: 140,
    name: 'advanced software list',
    params: [],
    repeat: ADVANCED_SOFTWARE,
    effect: (p, r) => p.setFragment('c8y_InstalledSoftwareList', software(r)),
  },
  {
    id: 141,
    name: 'append advanced software',
    params: [],
    repeat: ADVANCED_SOFTWARE,
    minRepeats: 1,
    effect: (p, r) => p.setFragment('c8y_InstalledSoftwareList', software(r), { append: true }),
  },
  {
    id: 142,
    name: 'remove advanced software',
    params: [],
    repeat: [text('name', true), text('version', true)],
    minRepeats: 1,
    effect: (p, r) => p.removeListItems('c8y_InstalledSoftwareList', groups(r, ['name', 'version'])),
  },
  {
    id: 143,
    name: 'supported software types',
    params: [],
    repeat: [text('type')],
    effect: (p, r) => {
      const types = list(r, 'type');
      if (types.length === 0) p.removeFragments(['c8y_SupportedSoftwareTypes']);
      else p.setFragment('c8y_SupportedSoftwareTypes', types);
    },
  },
  {
    id: 150,
    name: 'supported remote access protocols',
    params: [],
    repeat: [text('protocol')],
    effect: (p, r) => {
      const protocols = list(r, 'protocol');
      if (protocols.length === 0) p.removeFragments(['c8y_RemoteAccessSupportedProtocols']);
      else p.setFragment('c8y_RemoteAccessSupportedProtocols', protocols);
    },
  },
  // ---- measurements --------------------------------------------------------------------------
  {
    id: 200,
    name: 'measurement',
    params: [text('fragment', true), text('series', true), num('value', true), text('unit'), time],
    effect: (p, { values: v }) =>
      measurement(
        p,
        [{ fragment: v.fragment!, series: v.series!, value: Number(v.value), ...pick(v, ['unit']) }],
        v.time,
      ),
  },
  {
    id: 201,
    name: 'measurements',
    params: [text('type', true), time],
    repeat: [text('fragment', true), text('series', true), num('value', true), text('unit')],
    minRepeats: 1,
    effect: (p, r) =>
      measurement(
        p,
        r.groups.map((g) => ({
          fragment: g.fragment!,
          series: g.series!,
          value: Number(g.value),
          ...pick(g, ['unit']),
          type: r.values.type!,
        })),
        r.values.time,
      ),
  },
  {
    id: 210,
    name: 'signal strength',
    params: [num('rssi'), num('ber'), time],
    effect: (p, { values: v }) => {
      const ms: Omit<Measurement, 'time'>[] = [];
      if (v.rssi !== undefined)
        ms.push({ fragment: 'c8y_SignalStrength', series: 'rssi', value: Number(v.rssi), unit: 'dBm' });
      if (v.ber !== undefined)
        ms.push({ fragment: 'c8y_SignalStrength', series: 'ber', value: Number(v.ber), unit: '%' });
      if (ms.length === 0) p.refuse(45, 'smartrest.parameters', 'template 210 needs rssi or ber');
      measurement(p, ms, v.time);
    },
  },
  {
    id: 211,
    name: 'temperature',
    params: [num('temperature', true), time],
    effect: (p, { values: v }) =>
      measurement(
        p,
        [{ fragment: 'c8y_TemperatureMeasurement', series: 'T', value: Number(v.temperature), unit: 'C' }],
        v.time,
      ),
  },
  {
    id: 212,
    name: 'battery',
    params: [num('battery', true), time],
    effect: (p, { values: v }) =>
      measurement(p, [{ fragment: 'c8y_Battery', series: 'level', value: Number(v.battery), unit: '%' }], v.time),
  },
  // ---- alarms --------------------------------------------------------------------------------
  alarm(301, 'CRITICAL'),
  alarm(302, 'MAJOR'),
  alarm(303, 'MINOR'),
  alarm(304, 'WARNING'),
  {
    id: 305,
    name: 'alarm severity',
    params: [text('type', true), SEVERITY],
    effect: (p, { values: v }) => p.changeAlarmSeverity(v.type!, v.severity!.toUpperCase()),
  },
  { id: 306, name: 'clear alarm', params: [text('type', true)], effect: (p, { values: v }) => p.clearAlarm(v.type!) },
  {
    id: 307,
    name: 'remove alarm fragments',
    params: [text('type', true)],
    repeat: [text('fragment', true)],
    minRepeats: 1,
    effect: (p, r) => p.removeAlarmFragments(r.values.type!, list(r, 'fragment')),
  },
  // ---- events --------------------------------------------------------------------------------
  {
    id: 400,
    name: 'event',
    params: [text('type', true), text('text', true), time],
    effect: (p, { values: v }) => p.createEvent(v.type!, v.text!, p.time(v.time)),
  },
  location(401),
  location(402),
  {
    id: 407,
    name: 'remove event fragments',
    params: [text('type', true)],
    repeat: [text('fragment')],
    effect: (p, r) => p.removeEventFragments(r.values.type!, list(r, 'fragment')),
  },
  {
    id: 408,
    name: 'parameter update event',
    params: [text('text'), time, text('changeDetect')],
    repeat: [text('path', true), text('type', true), text('value')],
    minRepeats: 1,
    effect: (p, r) =>
      p.createEvent(
        'c8y_ParameterUpdate',
        r.values.text ?? `Parameter '${r.groups[0]!.path!.split('.')[0]}' was updated`,
        p.time(r.values.time),
        {
          c8y_ParameterUpdate: {
            ...pick(r.values, ['changeDetect']),
            parameters: groups(r, ['path', 'type', 'value']),
          },
        },
      ),
  },
  // ---- operations ----------------------------------------------------------------------------
  { id: 500, name: 'get pending operations', params: [], effect: (p) => p.resendPending() },
  status(501),
  status(502),
  status(503),
  status(504),
  status(505),
  status(506),
  {
    id: 507,
    name: 'operations EXECUTING → FAILED',
    params: [text('fragment'), text('reason')],
    effect: (p, { values: v }) =>
      p.setOperationStatus(v.fragment ? { fragment: v.fragment } : { all: true }, 'FAILED', { reason: v.reason ?? '' }),
  },
  // ---- platform ------------------------------------------------------------------------------
  { id: 600, name: 'get platform version', params: [], effect: (p) => p.answer([601, p.platformVersion()]) },
  { id: 602, name: 'get supported templates', params: [], effect: (p) => p.answer([603, ...p.supportedTemplates()]) },
];
