// What a failing check shows: what it expected, the part of the record around it, and where the
// whole record is.
import type { RecordEvent } from '../record/events.ts';

export function describeEvent(e: RecordEvent): string {
  const at = `#${e.seq} +${e.t.toFixed(1)}ms`;
  if (e.kind === 'packet') {
    const p = e.packet as { topic?: string; payload?: string; returnCode?: number; qos?: number; clientId?: string; granted?: number[] };
    const arrow = e.dir === 'in' ? 'device → broker' : 'broker → device';
    const bits = [p.clientId !== undefined ? `clientId=${p.clientId}` : '', p.topic ? `topic=${p.topic}` : '', p.qos !== undefined ? `qos=${p.qos}` : '',
      p.returnCode !== undefined ? `returnCode=${p.returnCode}` : '', p.granted ? `granted=${p.granted.join(',')}` : '',
      p.payload !== undefined ? `payload=${JSON.stringify(p.payload.length > 80 ? p.payload.slice(0, 80) + '…' : p.payload)}` : ''].filter(Boolean);
    return `${at} ${e.conn} ${arrow} ${String(e.type).toUpperCase()} ${bits.join(' ')}`;
  }
  if (e.kind === 'decision') return `${at} ${e.conn ?? ''} broker decided ${e.decision}: ${e.reason ?? ''}`;
  return `${at} ${e.kind} ${JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => !['seq', 't', 'wall', 'kind'].includes(k))))}`;
}

export class CheckFailure extends Error {}

/** Build the failure message of a check. */
export function failure(expected: string, excerpt: readonly RecordEvent[], recordPath: string | undefined): CheckFailure {
  const shown = excerpt.slice(-20);
  const lines = shown.length > 0 ? shown.map((e) => '  ' + describeEvent(e)).join('\n') : '  (nothing relevant in the record)';
  return new CheckFailure(`Expected ${expected}.\nThe record shows:\n${lines}\nFull record: ${recordPath ?? '(in memory only)'}`);
}
