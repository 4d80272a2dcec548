// Record events as people read them: which lane, a one-line summary, SmartREST decoded with each
// template's name, and whether the event is a finding (an error, a refusal, a failed step).
import type { RecordEvent } from '../record/events.ts';
import { parsePayload } from '../smartrest/codec.ts';
import { templateName } from '../smartrest/catalogue/index.ts';
import { ruleOf } from '../rules.ts';

export type Lane = 'device' | 'broker' | 'platform' | 'harness';

export interface Readable {
  seq: number;
  t: number;
  lane: Lane;
  /** → device to broker, ← broker to device, · neither */
  arrow: string;
  what: string;
  client?: string;
  topic?: string;
  type?: string;
  qos?: number;
  /** SmartREST lines, decoded */
  lines?: { text: string; name?: string; fields: string[]; findings: string[] }[];
  finding: boolean;
  detail?: string;
}

const FINDING_DECISIONS = /refused|rejected|error|oversized|undecodable|finding|lost|ignored|timeout/;

/** format: the record's format version (its header's), so that format 1 decisions get their rules too */
export function readable(e: RecordEvent, format = 2): Readable {
  // the fields are written out, not spread: an object spread costs ten times a literal on a hot path
  if (e.kind === 'packet') {
    const p = e.packet as {
      topic?: string;
      qos?: number;
      payload?: string;
      returnCode?: number;
      granted?: number[];
      clientId?: string;
      subscriptions?: { topic: string; qos: number }[];
    };
    const type = String(e.type);
    const r: Readable = {
      seq: e.seq,
      t: e.t,
      lane: e.dir === 'in' ? 'device' : 'broker',
      arrow: e.dir === 'in' ? '→' : '←',
      what: type.toUpperCase(),
      client: e.clientId as string | undefined,
      type,
      finding: false,
    };
    if (p.topic !== undefined) r.topic = p.topic;
    if (p.qos !== undefined && type === 'publish') r.qos = p.qos;
    if (type === 'connack' && p.returnCode !== 0) {
      r.finding = true;
      r.detail = `return code ${p.returnCode}`;
    }
    if (type === 'connack' && p.returnCode === 0) r.detail = 'accepted';
    if (type === 'suback') {
      r.detail = `granted ${p.granted?.join(', ')}`;
      r.finding = !!p.granted?.includes(128);
    }
    if (type === 'subscribe') r.detail = p.subscriptions?.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ');
    if (type === 'connect') r.detail = `ClientId ${JSON.stringify(p.clientId)}`;
    if (
      type === 'publish' &&
      typeof p.payload === 'string' &&
      p.topic !== undefined &&
      /^(s|t|q|c)\/(us|ds|e|uc|dc)/.test(p.topic)
    ) {
      r.lines = parsePayload(p.payload).map((l) => ({
        text: l.text,
        fields: l.fields,
        findings: l.findings.map((f) => f.code),
        name: templateName(
          p.topic!.startsWith('s/us') || /^[tqc]\/us/.test(p.topic!) ? 's/us' : p.topic!,
          l.fields[0] ?? '',
        ),
      }));
      if (r.lines.some((l) => l.findings.length > 0) || p.topic === 's/e') r.finding = true;
    } else if (type === 'publish' && p.payload !== undefined) r.detail = String(p.payload).slice(0, 200);
    return r;
  }
  if (e.kind === 'decision') {
    // the rule and severity of a finding (format 2 writes them; format 1 records get them from the decision)
    const rule = ruleOf(e, format);
    const finding = rule ? rule.severity !== 'info' : FINDING_DECISIONS.test(String(e.decision));
    return {
      seq: e.seq,
      t: e.t,
      lane: 'broker',
      arrow: '·',
      what: `decided ${e.decision}${rule ? ` [${rule.severity}: ${rule.rule}]` : ''}`,
      client: e.clientId as string | undefined,
      topic: e.topic as string | undefined,
      detail: e.reason as string | undefined,
      finding,
    };
  }
  if (e.kind === 'platform') {
    const fields = Object.entries(e).filter(
      ([k]) => !['seq', 't', 'wall', 'kind', 'change', 'deviceId', 'rootId', 'cause', 'causeSeq'].includes(k),
    );
    return {
      seq: e.seq,
      t: e.t,
      lane: 'platform',
      arrow: '·',
      what: `${e.change} ${e.deviceId}`,
      detail: fields
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')
        .slice(0, 300),
      finding: false,
    };
  }
  if (e.kind === 'console') {
    return {
      seq: e.seq,
      t: e.t,
      lane: 'device',
      arrow: e.dir === 'tx' ? '⇢' : '⇠',
      what: `console ${e.dir}`,
      detail: String(e.line),
      finding: e.dir === 'stderr' || /^ERROR/.test(String(e.line)),
    };
  }
  if (e.kind === 'device') {
    return {
      seq: e.seq,
      t: e.t,
      lane: 'device',
      arrow: '·',
      what: `device ${e.action}${e.phase ? ` ${e.phase}` : ''}`,
      detail: e.reason !== undefined ? String(e.reason) : e.ms !== undefined ? `${e.ms} ms` : undefined,
      finding: e.phase === 'failed',
    };
  }
  if (e.kind === 'step') {
    return {
      seq: e.seq,
      t: e.t,
      lane: 'harness',
      arrow: '·',
      what: `step ${e.action}`,
      detail: `${e.text}${e.status ? ` (${e.status})` : ''}`,
      finding: e.status === 'FAILED',
    };
  }
  if (e.kind === 'connection') {
    return {
      seq: e.seq,
      t: e.t,
      lane: 'broker',
      arrow: '·',
      what: `connection ${e.conn} ${e.action}`,
      detail: `${e.transport}${e.remote ? ` from ${e.remote}` : ''}`,
      client: e.clientId as string | undefined,
      finding: false,
    };
  }
  return {
    seq: e.seq,
    t: e.t,
    lane: 'harness',
    arrow: '·',
    what: e.kind,
    detail: JSON.stringify(
      Object.fromEntries(Object.entries(e).filter(([k]) => !['seq', 't', 'wall', 'kind'].includes(k))),
    ).slice(0, 300),
    finding: false,
  };
}

/** the scenario's traffic as a plain-text table, for the cucumber report */
export function trafficText(events: readonly RecordEvent[]): string {
  const out: string[] = ['      ms  lane      dir  what                         topic / detail'];
  for (const e of events) {
    if (e.kind === 'meta') continue;
    const r = readable(e);
    const head = `${r.t.toFixed(1).padStart(8)}  ${r.lane.padEnd(8)}  ${r.arrow}   ${(r.what + (r.qos !== undefined ? ` q${r.qos}` : '')).padEnd(28)} `;
    if (r.lines && r.lines.length > 0) {
      r.lines.forEach((l, i) => {
        const lead = i === 0 ? `${head}${r.topic}  ` : ' '.repeat(head.length);
        const name = l.name ? `   [${l.name}]` : '';
        const findings = l.findings.length ? `   !! ${l.findings.join(', ')}` : '';
        out.push(`${lead}${l.text}${name}${findings}`);
      });
    } else {
      out.push(`${head}${[r.topic, r.detail].filter(Boolean).join('  ')}${r.finding ? '   !!' : ''}`);
    }
  }
  return out.join('\n');
}
