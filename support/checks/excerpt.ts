// Record events as a failing check quotes them: one line each, SmartREST decoded with each line's
// template name, decisions with their rule.
import type { RecordEvent } from '../record/events.ts';
import { ruleOf } from '../rules.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { templateName } from '../smartrest/catalogue/index.ts';

const short = (s: string) => JSON.stringify(s.length > 100 ? s.slice(0, 100) + '…' : s);

function lines(topic: string, payload: string): string {
  const kind = /^[stqc]\/us/.test(topic) ? 's/us' : topic;
  return parsePayload(payload)
    .map((l) => {
      const name = templateName(kind, l.fields[0] ?? '');
      return `${short(l.text)}${name ? ` (${name})` : ''}${l.findings.length ? ` [${l.findings.map((f) => f.code).join(', ')}]` : ''}`;
    })
    .join(' | ');
}

export function describeEvent(e: RecordEvent): string {
  const at = `#${e.seq} +${e.t.toFixed(1)}ms`;
  if (e.kind === 'packet') {
    const p = e.packet as {
      topic?: string;
      payload?: string;
      returnCode?: number;
      qos?: number;
      clientId?: string;
      granted?: number[];
      subscriptions?: { topic: string; qos: number }[];
      clean?: boolean;
      messageId?: number;
      dup?: boolean;
      will?: unknown;
    };
    const arrow = e.dir === 'in' ? 'device → broker' : 'broker → device';
    const bits = [
      p.clientId !== undefined ? `ClientId ${JSON.stringify(p.clientId)}` : '',
      p.clean !== undefined ? `clean ${p.clean ? 1 : 0}` : '',
      p.will ? 'with a last will' : '',
      p.topic ? `on ${p.topic}` : '',
      p.qos !== undefined ? `QoS ${p.qos}` : '',
      p.dup ? 'DUP' : '',
      p.messageId !== undefined && e.type !== 'publish' ? `id ${p.messageId}` : '',
      p.returnCode !== undefined ? `return code ${p.returnCode}` : '',
      p.granted ? `granted ${p.granted.join(',')}` : '',
      p.subscriptions ? p.subscriptions.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ') : '',
      p.payload !== undefined && p.topic !== undefined ? lines(p.topic, p.payload) : '',
    ].filter(Boolean);
    return `${at} ${e.conn} ${arrow} ${String(e.type).toUpperCase()} ${bits.join(' ')}`;
  }
  if (e.kind === 'decision') {
    const r = ruleOf(e);
    return `${at} ${e.conn ?? ''} broker decided ${e.decision}${r ? ` [${r.severity}: ${r.rule}]` : ''}: ${e.reason ?? ''}`;
  }
  if (e.kind === 'platform') {
    const fields = Object.entries(e).filter(
      ([k]) => !['seq', 't', 'wall', 'kind', 'change', 'deviceId', 'rootId', 'cause', 'causeSeq'].includes(k),
    );
    return `${at} platform: ${e.change} ${e.deviceId} ${fields
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')
      .slice(0, 200)}`;
  }
  return `${at} ${e.kind} ${JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => !['seq', 't', 'wall', 'kind'].includes(k))))}`;
}
