// The static template catalogue: lookups by id and fragment, names for reports, the parameters of
// an operation checked against its template, and an operation's JSON fragment from its line.
import { DOWNSTREAM_TEMPLATES } from './downstream.ts';
import { UPSTREAM_TEMPLATES } from './upstream.ts';
import type { DownstreamTemplate, UpstreamTemplate } from './types.ts';

export * from './types.ts';
export { DOWNSTREAM_TEMPLATES, UPSTREAM_TEMPLATES };

export const UPSTREAM: ReadonlyMap<number, UpstreamTemplate> = new Map(UPSTREAM_TEMPLATES.map((t) => [t.id, t]));
export const DOWNSTREAM: ReadonlyMap<number, DownstreamTemplate> = new Map(DOWNSTREAM_TEMPLATES.map((t) => [t.id, t]));
/** templates that carry operations (every downstream one but the answers) */
export const OPERATION_TEMPLATES = DOWNSTREAM_TEMPLATES.filter((t) => t.fragment !== undefined);
export const OPERATION_FRAGMENTS = [...new Set(OPERATION_TEMPLATES.map((t) => t.fragment!))];
export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING'] as const;

const ERROR_NAMES: Record<number, string> = {
  40: 'error: unknown template',
  41: 'error: not processed',
  42: 'error: malformed line',
  45: 'error: wrong parameters',
  50: 'error: server',
};

/** the name of a line's template on a topic (s/us… upstream, s/ds downstream, s/e errors), for reports */
export function templateName(topic: string, id: string): string | undefined {
  if (!/^\d+$/.test(id)) return undefined;
  const n = Number(id);
  if (topic === 's/e') return ERROR_NAMES[n];
  if (topic === 's/ds') {
    const t = DOWNSTREAM.get(n);
    return t ? (t.fragment ?? t.name) : undefined;
  }
  return UPSTREAM.get(n)?.name;
}

/** the operation templates for a fragment (several when the platform picks one by the operation's shape) */
export const templatesForFragment = (fragment: string) => OPERATION_TEMPLATES.filter((t) => t.fragment === fragment);

/** why these parameters do not fit the template, or undefined when they do */
export function paramProblem(t: DownstreamTemplate, params: readonly string[]): string | undefined {
  if (t.shape) return t.shape.check(params);
  const fixed = t.params.length;
  const size = t.repeat?.length ?? 0;
  const names = (ps: readonly { name: string }[]) => ps.map((p) => p.name).join(', ');
  if (!t.repeat && params.length !== fixed)
    return `takes ${fixed === 0 ? 'no parameters' : `${fixed} (${names(t.params)})`}; got ${params.length}`;
  if (t.repeat && (params.length < fixed + size || (params.length - fixed) % size !== 0)) {
    return `takes ${fixed ? `${names(t.params)}, then ` : ''}groups of ${size} (${names(t.repeat)}); got ${params.length}`;
  }
  for (const [i, p] of t.params.entries()) {
    if (p.values && !p.values.includes(params[i]!))
      return `${p.name} must be ${p.values.join(' or ')}, not '${params[i]}'`;
  }
  return undefined;
}

/** the operation's JSON fragment, as the platform keeps it, from the line's parameters */
export function fragmentJson(t: DownstreamTemplate, params: readonly string[]): unknown {
  if (t.shape) return t.shape.toJson(params);
  const fixed = Object.fromEntries(t.params.map((p, i) => [p.name, params[i] ?? '']));
  if (!t.repeat) return fixed;
  const rest = params.slice(t.params.length);
  const size = t.repeat.length;
  const groups = Array.from({ length: Math.floor(rest.length / size) }, (_, g) =>
    rest.slice(g * size, g * size + size),
  );
  return size === 1
    ? groups.map((g) => g[0])
    : groups.map((g) => Object.fromEntries(t.repeat!.map((p, i) => [p.name, g[i] ?? ''])));
}

/** the line's parameters from an operation's JSON fragment, or undefined when the fragment does not fit */
export function paramsFromJson(t: DownstreamTemplate, fragment: unknown): string[] | undefined {
  if (t.shape) return t.shape.fromJson(fragment);
  const text = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (!t.repeat) {
    if (fragment === null || typeof fragment !== 'object' || Array.isArray(fragment)) return undefined;
    return t.params.map((p) => text((fragment as Record<string, unknown>)[p.name]));
  }
  if (!Array.isArray(fragment)) return undefined;
  const size = t.repeat.length;
  return fragment.flatMap((g) =>
    size === 1 ? [text(g)] : t.repeat!.map((p) => text((g as Record<string, unknown>)?.[p.name])),
  );
}
