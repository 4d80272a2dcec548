// The static SmartREST 2.0 templates the platform model understands (SPEC section 6).

export type ParamKind = 'text' | 'number' | 'time' | 'severity';

export interface ParamSpec {
  name: string;
  kind?: ParamKind;
  required?: boolean;
  default?: string;
}

export interface UpstreamTemplate {
  id: number;
  /** what the line does, in the record's words */
  change: string;
  params: ParamSpec[];
  /** a group of parameters that may follow the fixed ones any number of times */
  repeat?: ParamSpec[];
  /** how many groups at least */
  minRepeats?: number;
}

const num = (name: string, required = false): ParamSpec => ({ name, kind: 'number', required });
const text = (name: string, required = false, def?: string): ParamSpec => ({ name, required, ...(def !== undefined ? { default: def } : {}) });
const time: ParamSpec = { name: 'time', kind: 'time' };

const alarm = (id: number, severity: string): UpstreamTemplate =>
  ({ id, change: `alarm-raised`, params: [text('type', true), text('text', false, `${severity} alarm`), time] });

export const UPSTREAM: ReadonlyMap<number, UpstreamTemplate> = new Map([
  { id: 100, change: 'device-created', params: [text('name'), text('type', false, 'c8y_MQTTDevice')] },
  { id: 101, change: 'child-created', params: [text('childId', true), text('name'), text('type', false, 'c8y_MQTTChildDevice')] },
  { id: 105, change: 'children-listed', params: [] },
  { id: 110, change: 'hardware', params: [text('serialNumber'), text('model'), text('revision')] },
  { id: 113, change: 'configuration', params: [text('config')] },
  { id: 114, change: 'supported-operations', params: [], repeat: [text('fragment', true)] },
  { id: 115, change: 'firmware', params: [text('name'), text('version'), text('url')] },
  { id: 117, change: 'required-availability', params: [num('interval', true)] },
  { id: 200, change: 'measurement', params: [text('fragment', true), text('series', true), num('value', true), text('unit'), time] },
  { id: 201, change: 'measurement', params: [text('type', true), time], repeat: [text('fragment', true), text('series', true), num('value', true), text('unit')], minRepeats: 1 },
  { id: 210, change: 'measurement', params: [num('rssi'), num('ber'), time] },
  { id: 211, change: 'measurement', params: [num('temperature', true), time] },
  { id: 212, change: 'measurement', params: [num('battery', true), time] },
  alarm(301, 'CRITICAL'), alarm(302, 'MAJOR'), alarm(303, 'MINOR'), alarm(304, 'WARNING'),
  { id: 305, change: 'alarm-severity-changed', params: [text('type', true), { name: 'severity', kind: 'severity', required: true }] },
  { id: 306, change: 'alarm-cleared', params: [text('type', true)] },
  { id: 400, change: 'event', params: [text('type', true), text('text', true), time] },
  { id: 401, change: 'location', params: [num('lat'), num('lng'), num('alt'), num('accuracy'), time] },
  { id: 402, change: 'location', params: [num('lat'), num('lng'), num('alt'), num('accuracy'), time] },
  { id: 500, change: 'pending-requested', params: [] },
  { id: 501, change: 'operation-status', params: [text('fragment', true)] },
  { id: 502, change: 'operation-status', params: [text('fragment', true), text('reason')] },
  { id: 503, change: 'operation-status', params: [text('fragment', true)], repeat: [text('result')] },
  { id: 504, change: 'operation-status', params: [text('id', true)] },
  { id: 505, change: 'operation-status', params: [text('id', true), text('reason')] },
  { id: 506, change: 'operation-status', params: [text('id', true)], repeat: [text('result')] },
].map((t) => [t.id, t as UpstreamTemplate]));

export const ALARM_SEVERITY: Readonly<Record<number, string>> = { 301: 'CRITICAL', 302: 'MAJOR', 303: 'MINOR', 304: 'WARNING' };
export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING'] as const;

export interface DownstreamTemplate {
  id: number;
  fragment: string;
  params: string[];
  /** the parameters form groups of params.length that repeat (one group at least) */
  repeats?: boolean;
  /** allowed values of the only parameter */
  values?: string[];
}

export const DOWNSTREAM: readonly DownstreamTemplate[] = [
  { id: 510, fragment: 'c8y_Restart', params: [] },
  { id: 511, fragment: 'c8y_Command', params: ['text'] },
  { id: 513, fragment: 'c8y_Configuration', params: ['config'] },
  { id: 515, fragment: 'c8y_Firmware', params: ['name', 'version', 'url'] },
  { id: 516, fragment: 'c8y_SoftwareList', params: ['name', 'version', 'url'], repeats: true },
  { id: 518, fragment: 'c8y_Relay', params: ['relayState'], values: ['OPEN', 'CLOSED'] },
  { id: 520, fragment: 'c8y_UploadConfigFile', params: [] },
  { id: 521, fragment: 'c8y_DownloadConfigFile', params: ['url'] },
  { id: 522, fragment: 'c8y_LogfileRequest', params: ['logFile', 'dateFrom', 'dateTo', 'searchText', 'maximumLines'] },
  { id: 523, fragment: 'c8y_CommunicationMode', params: ['mode'] },
  { id: 528, fragment: 'c8y_SoftwareUpdate', params: ['name', 'version', 'url', 'action'], repeats: true },
];

export const downstreamById = (id: number) => DOWNSTREAM.find((t) => t.id === id);
export const downstreamByFragment = (fragment: string) => DOWNSTREAM.find((t) => t.fragment === fragment);
