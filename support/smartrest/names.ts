// Human names of SmartREST static templates, for reports.
import { DOWNSTREAM } from './templates.ts';

const UPSTREAM_NAMES: Record<number, string> = {
  100: 'create device', 101: 'create child', 105: 'list children', 110: 'hardware', 113: 'configuration',
  114: 'supported operations', 115: 'firmware', 117: 'required availability', 200: 'measurement',
  201: 'measurements', 210: 'signal strength', 211: 'temperature', 212: 'battery', 301: 'critical alarm',
  302: 'major alarm', 303: 'minor alarm', 304: 'warning alarm', 305: 'alarm severity', 306: 'clear alarm',
  400: 'event', 401: 'location event', 402: 'location update', 500: 'get pending operations',
  501: 'operation EXECUTING', 502: 'operation FAILED', 503: 'operation SUCCESSFUL',
  504: 'operation EXECUTING (by id)', 505: 'operation FAILED (by id)', 506: 'operation SUCCESSFUL (by id)',
};

const ERROR_NAMES: Record<number, string> = { 40: 'error: unknown template', 41: 'error: not processed', 42: 'error: malformed line', 45: 'error: wrong parameters', 50: 'error: server' };

/** the name of a line's template on a topic ("s/us…" upstream, "s/ds" downstream, "s/e" errors) */
export function templateName(topic: string, id: string): string | undefined {
  const n = Number(id);
  if (!/^\d+$/.test(id)) return undefined;
  if (topic === 's/e') return ERROR_NAMES[n];
  if (topic === 's/ds') return n === 106 ? 'children' : DOWNSTREAM.find((t) => t.id === n)?.fragment;
  return UPSTREAM_NAMES[n];
}
