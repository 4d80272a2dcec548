// What a device may do with which topic (SPEC section 3).

const UPSTREAM_MODES = new Set(['s', 't', 'q', 'c']);

export interface UpstreamTopic {
  /** s/us and friends: static templates; s/uc: custom templates */
  kind: 'static' | 'custom';
  mode: string;
  /** custom template collection id (s/uc/<id>) */
  templateId?: string;
  /** child path below the root device, empty for the root */
  children: string[];
}

/** An upstream topic a device may publish to, or undefined when it may not. */
export function parseUpstreamTopic(topic: string): UpstreamTopic | undefined {
  const parts = topic.split('/');
  if (parts.length < 2 || parts.some((p) => p.length === 0)) return undefined;
  const [mode, dir] = parts as [string, string];
  if (dir === 'us' && UPSTREAM_MODES.has(mode)) return { kind: 'static', mode, children: parts.slice(2) };
  if (mode === 's' && dir === 'uc' && parts.length >= 3) {
    return { kind: 'custom', mode, templateId: parts[2], children: parts.slice(3) };
  }
  return undefined;
}

export type SubscribeVerdict = { ok: true; downstream: boolean } | { ok: false; reason: string };

/** s/ds, s/dc/<template> (with wildcards below s/dc) and s/e may be subscribed to; nothing else. */
export function checkSubscription(filter: string): SubscribeVerdict {
  if (filter === 's/e') return { ok: true, downstream: false };
  if (filter === 's/ds') return { ok: true, downstream: true };
  if (/^s\/dc\/[^/#]+$/.test(filter) || filter === 's/dc/#' || /^s\/dc\/\+(\/#)?$/.test(filter)) return { ok: true, downstream: true };
  if (filter.includes('#') || filter.includes('+')) {
    return { ok: false, reason: `the filter '${filter}' has a wildcard that reaches topics a device may only publish to` };
  }
  if (parseUpstreamTopic(filter)) return { ok: false, reason: `'${filter}' is a topic devices publish to; subscribing to it is not allowed` };
  return { ok: false, reason: `'${filter}' is not a topic the platform serves (s/ds, s/dc/<template>, s/e)` };
}
