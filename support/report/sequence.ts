// A scenario's record as a sequence diagram (SVG, no script): device, broker and platform as
// lifelines, packets as arrows between device and broker (message ids, so a QoS handshake reads
// as PUBLISH 5 → PUBREC 5 → PUBREL 5 → PUBCOMP 5), what the platform did as arrows from the
// broker, decisions as notes (findings in red), steps as bands across.
import type { RecordEvent } from '../record/events.ts';
import { readable } from './describe.ts';

const ROW = 30;
const TOP = 46;
const X = { device: 110, broker: 430, platform: 750 } as const;
const WIDTH = 900;
/** a diagram of more rows than this says how many it left out */
export const MAX_ROWS = 1500;

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const clip = (s: string, n = 58) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

interface Row {
  kind: 'arrow' | 'note' | 'band';
  from?: number;
  to?: number;
  at?: number;
  text: string;
  sub?: string;
  finding: boolean;
  t: number;
}

/** what an event becomes in the diagram; console lines and meta events are left to the timeline */
function rowOf(e: RecordEvent): Row | undefined {
  if (e.kind === 'meta' || e.kind === 'console') return undefined;
  const r = readable(e);
  if (e.kind === 'packet') {
    const p = e.packet as { messageId?: number; topic?: string; qos?: number };
    const id = p.messageId !== undefined ? ` ${p.messageId}` : '';
    const qos = r.qos !== undefined ? ` QoS ${r.qos}` : '';
    const lines = r.lines?.map((l) => l.text).join(' | ');
    const sub = [p.topic, lines ?? r.detail].filter(Boolean).join('  ');
    const [from, to] = e.dir === 'in' ? [X.device, X.broker] : [X.broker, X.device];
    return { kind: 'arrow', from, to, text: `${r.what}${id}${qos}`, sub, finding: r.finding, t: r.t };
  }
  if (e.kind === 'platform') {
    const what = platformLabel(e);
    return { kind: 'arrow', from: X.broker, to: X.platform, text: what, sub: r.detail, finding: false, t: r.t };
  }
  if (e.kind === 'step') {
    if (e.action !== 'start') return undefined;
    return { kind: 'band', text: String(e.text), finding: false, t: r.t };
  }
  if (e.kind === 'connection') return { kind: 'note', at: X.broker, text: r.what, finding: false, t: r.t };
  if (e.kind === 'device')
    return { kind: 'note', at: X.device, text: r.what, sub: r.detail, finding: r.finding, t: r.t };
  return { kind: 'note', at: X.broker, text: r.what, sub: r.detail, finding: r.finding, t: r.t };
}

/** the operation lifecycle reads at a glance: created, then each status */
function platformLabel(e: RecordEvent): string {
  if (e.change === 'operation-created') return `operation ${e.operationId} created (${e.fragment})`;
  if (e.change === 'operation-status') return `operation ${e.operationId} → ${e.to}`;
  return `${e.change} ${e.deviceId}`;
}

function arrow(y: number, r: Row): string {
  const color = r.finding ? '#c62828' : '#333';
  const [x1, x2] = [r.from!, r.to!];
  const dir = x2 > x1 ? 1 : -1;
  const head = `${x2},${y} ${x2 - 7 * dir},${y - 4} ${x2 - 7 * dir},${y + 4}`;
  const mid = (x1 + x2) / 2;
  return (
    `<g class="arrow${r.finding ? ' finding' : ''}">` +
    `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}"/>` +
    `<polygon points="${head}" fill="${color}"/>` +
    `<text x="${mid}" y="${y - 5}" text-anchor="middle" fill="${color}">${esc(clip(r.text, 44))}</text>` +
    (r.sub ? `<text class="sub" x="${mid}" y="${y + 11}" text-anchor="middle">${esc(clip(r.sub))}</text>` : '') +
    '</g>'
  );
}

function note(y: number, r: Row): string {
  const fill = r.finding ? '#fde2e2' : '#f4f6f8';
  const text = clip(`${r.text}${r.sub ? `: ${r.sub}` : ''}`, 70);
  return (
    `<g class="note${r.finding ? ' finding' : ''}"><rect x="${r.at! - 150}" y="${y - 12}" width="300" height="17" ` +
    `fill="${fill}" stroke="#bbb"/><text x="${r.at}" y="${y}" text-anchor="middle">${esc(text)}</text></g>`
  );
}

function band(y: number, r: Row): string {
  return (
    `<g class="step"><rect x="4" y="${y - 13}" width="${WIDTH - 8}" height="18" fill="#e8eef8"/>` +
    `<text x="10" y="${y}" font-weight="bold">${esc(clip(r.text, 110))}</text></g>`
  );
}

export function sequenceSvg(events: readonly RecordEvent[], title = ''): string {
  const all = events.map(rowOf).filter((r): r is Row => r !== undefined);
  const rows = all.slice(0, MAX_ROWS);
  const height = TOP + (rows.length + 2) * ROW;
  const body = rows
    .map((r, i) => {
      const y = TOP + (i + 1) * ROW;
      const time = `<text class="t" x="4" y="${y}">${r.t.toFixed(0)} ms</text>`;
      if (r.kind === 'band') return band(y, r);
      return time + (r.kind === 'arrow' ? arrow(y, r) : note(y, r));
    })
    .join('\n');
  const lifelines = Object.entries(X)
    .map(
      ([name, x]) =>
        `<line x1="${x}" y1="${TOP - 8}" x2="${x}" y2="${height}" stroke="#999" stroke-dasharray="4 3"/>` +
        `<rect x="${x - 55}" y="${TOP - 30}" width="110" height="22" fill="#fff" stroke="#666"/>` +
        `<text x="${x}" y="${TOP - 14}" text-anchor="middle" font-weight="bold">${name}</text>`,
    )
    .join('');
  const more =
    all.length > rows.length
      ? `<text x="10" y="${height - 6}">… ${all.length - rows.length} more events (see the timeline)</text>`
      : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="system-ui, sans-serif" font-size="11"><title>${esc(title || 'sequence diagram')}</title>` +
    `<style>.sub { fill: #666; font-size: 10px; } .t { fill: #999; font-size: 9px; }</style>` +
    `<rect width="100%" height="100%" fill="#fff"/>${lifelines}\n${body}\n${more}</svg>\n`
  );
}
