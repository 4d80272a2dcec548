// What a device may do with which topic (SPEC section 3).

const UPSTREAM_MODES = new Set(['s', 't', 'q', 'c']);
/** the REST APIs that JSON via MQTT reaches as <api>/<resource>/<action>[/<id>] */
const JSON_APIS = new Set(['inventory', 'measurement', 'event', 'alarm', 'devicecontrol', 'identity']);

export type UpstreamTopic =
  /** s/us and friends: static templates, for the root or a child path below it */
  | { kind: 'static'; mode: string; children: string[] }
  /** s/uc/<X-ID>[/<child>…], or s/ud[/<child>…] (templateId undefined: the ClientId's default) */
  | { kind: 'custom'; mode: string; templateId?: string; children: string[] }
  /** s/ut/<X-ID>: create or query a template collection */
  | { kind: 'template-collection'; templateId: string; children: [] }
  /** s/ucr: device bootstrap */
  | { kind: 'bootstrap'; children: [] }
  /** s/uat: a JWT for a certificate device */
  | { kind: 'jwt'; children: [] }
  /** <api>/<resource>/<action>[/…]: JSON via MQTT, recorded and not emulated */
  | { kind: 'json'; api: string; children: [] };

/** An upstream topic a device may publish to, or undefined when it may not. */
export function parseUpstreamTopic(topic: string): UpstreamTopic | undefined {
  const parts = topic.split('/');
  if (parts.length < 2 || parts.some((p) => p.length === 0)) return undefined;
  const [mode, dir] = parts as [string, string];
  if (dir === 'us' && UPSTREAM_MODES.has(mode)) return { kind: 'static', mode, children: parts.slice(2) };
  if (mode === 's' && dir === 'uc' && parts.length >= 3)
    return { kind: 'custom', mode, templateId: parts[2], children: parts.slice(3) };
  if (mode === 's' && dir === 'ud') return { kind: 'custom', mode, children: parts.slice(2) };
  if (mode === 's' && dir === 'ut' && parts.length === 3)
    return { kind: 'template-collection', templateId: parts[2]!, children: [] };
  if (topic === 's/ucr') return { kind: 'bootstrap', children: [] };
  if (topic === 's/uat') return { kind: 'jwt', children: [] };
  if (JSON_APIS.has(mode) && parts.length >= 3) return { kind: 'json', api: mode, children: [] };
  return undefined;
}

export type SubscribeVerdict =
  | { ok: true; /** refused before the device exists (SPEC 3 option) */ downstream: boolean; json?: boolean }
  | { ok: false; rule: 'topics.subscribe-publish-topic' | 'topics.subscribe-unknown'; reason: string };

/** topics the platform serves and any device may subscribe to at any time */
const ALWAYS = new Set(['s/e', 's/dt', 's/dcr', 's/dat']);
/** topics that carry operations for the device: they need the device to exist */
const DOWNSTREAM = new Set(['s/ds', 's/dd']);
/** JSON via MQTT's downstream topics */
const JSON_DOWNSTREAM = new Set(['error', 'devicecontrol/notifications']);

/** The topics of SPEC 3 a device may subscribe to, with wildcards only below s/dc. */
export function checkSubscription(filter: string): SubscribeVerdict {
  if (ALWAYS.has(filter)) return { ok: true, downstream: false };
  if (DOWNSTREAM.has(filter)) return { ok: true, downstream: true };
  if (/^s\/dc\/[^/#+]+$/.test(filter) || filter === 's/dc/#' || /^s\/dc\/\+(\/#)?$/.test(filter))
    return { ok: true, downstream: true };
  if (JSON_DOWNSTREAM.has(filter)) return { ok: true, downstream: false, json: true };
  if (filter.includes('#') || filter.includes('+')) {
    return {
      ok: false,
      rule: 'topics.subscribe-publish-topic',
      reason: `the filter '${filter}' has a wildcard that reaches topics a device may only publish to`,
    };
  }
  if (parseUpstreamTopic(filter)) {
    return {
      ok: false,
      rule: 'topics.subscribe-publish-topic',
      reason: `'${filter}' is a topic devices publish to; subscribing to it is not allowed`,
    };
  }
  return {
    ok: false,
    rule: 'topics.subscribe-unknown',
    reason: `'${filter}' is not a topic the platform serves (s/ds, s/dc/<template>, s/dd, s/e, s/dt, s/dcr, s/dat, error, devicecontrol/notifications)`,
  };
}

/** what a bootstrap connection (management/devicebootstrap) may do: publish on s/ucr, read s/dcr and s/e */
export const BOOTSTRAP_PUBLISH = new Set(['s/ucr']);
export const BOOTSTRAP_SUBSCRIBE = new Set(['s/dcr', 's/e']);
