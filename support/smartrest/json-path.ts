// The small part of JsonPath that SmartREST 2.0 response templates and custom values use:
// `a.b.c`, an optional leading `$.`, `[n]` and `[*]` (which expands to every element).

type Segment = { key: string } | { index: number } | { all: true };

function segments(path: string): Segment[] {
  const p = path.trim().replace(/^\$\.?/, '');
  const out: Segment[] = [];
  for (const part of p.split('.')) {
    if (part === '') continue;
    const m = /^([^[\]]*)((?:\[(?:\*|\d+)\])*)$/.exec(part);
    if (!m) {
      out.push({ key: part });
      continue;
    }
    if (m[1]) out.push({ key: m[1] });
    for (const b of m[2]!.matchAll(/\[(\*|\d+)\]/g)) out.push(b[1] === '*' ? { all: true } : { index: Number(b[1]) });
  }
  return out;
}

/** every value the path reaches in the object (several with [*]; none when it does not resolve) */
export function resolvePath(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const s of segments(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if ('key' in s) {
        if (Object.hasOwn(v, s.key)) next.push((v as Record<string, unknown>)[s.key]);
      } else if ('index' in s) {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if (Array.isArray(v)) next.push(...v);
      else next.push(...Object.values(v));
    }
    current = next;
  }
  return current;
}

export function pathExists(root: unknown, path: string): boolean {
  return resolvePath(root, path).length > 0;
}

/** set a value at a dotted path, making the objects on the way */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = segments(path).map((s) => ('key' in s ? s.key : 'index' in s ? String(s.index) : '*'));
  let o = root;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) {
      o[k] = value;
      return;
    }
    if (o[k] === null || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  });
}

/** a resolved value as a SmartREST field: text as it is, numbers and flags written out, objects as JSON */
export function fieldText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
