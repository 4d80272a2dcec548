// The rules a device is judged by, with a stable id and a severity (SPEC section 8). The broker
// stamps every finding, refusal and s/e answer in the record with one of these ids; the checks
// use the same ids, so a verdict always names the rule it comes from.

/**
 * violation: the device breaks the seed (or MQTT 3.1.1) and fails.
 * warning:   a real tenant accepts or ignores it, but it is outside the seed or fragile; never fails
 *            the device unless the run is strict.
 * info:      recorded as evidence of what the platform answered; never counts against the device.
 */
export type Severity = 'violation' | 'warning' | 'info';

export interface Rule {
  id: string;
  severity: Severity;
  /** where the rule comes from: the seed's section or SPEC.md's */
  source: string;
  /** what a correct device does, in one sentence */
  says: string;
}

const rule = (id: string, severity: Severity, source: string, says: string): Rule => ({ id, severity, source, says });

const ALL: Rule[] = [
  rule(
    'clientid.format',
    'violation',
    'seed: MQTT ClientId; SPEC 2',
    'The ClientId is [d:]deviceIdentifier[:defaultTemplateId], with a non-empty device identifier.',
  ),
  rule('connect.protocol-level', 'violation', 'seed: Overview; SPEC 1', 'The device speaks MQTT 3.1.1 (or 3.1).'),
  rule(
    'connect.credentials',
    'violation',
    'seed: MQTT Authentication; SPEC 2',
    "The username is tenant/user and the password is the device's.",
  ),
  rule(
    'connect.certificate',
    'violation',
    'SPEC 10',
    "A client certificate chains to a CA the tenant trusts and its CN is the ClientId's device identifier.",
  ),
  rule(
    'connect.last-will',
    'warning',
    'seed: MQTT Last Will; SPEC 3',
    'The device does not rely on a last will: Cumulocity never publishes it.',
  ),
  rule(
    'sessions.clean-session-0',
    'warning',
    'seed: MQTT Clean Session; SPEC 8',
    'Clean session 0 is accepted, but the platform documents clean session 1.',
  ),
  rule('connect.accepted', 'violation', 'seed: MQTT Authentication, MQTT ClientId',
    'A device with the lab\'s login and a well-formed ClientId is accepted (CONNACK 0).'),
  rule('sessions.clean-as-configured', 'violation', 'seed: MQTT Clean Session',
    'The device connects with the clean session flag it was configured with.'),
  rule('qos.as-configured', 'violation', 'seed: MQTT Quality of Service',
    'The device publishes and subscribes at the QoS it was configured with.'),
  rule('qos.downstream-handshake', 'violation', 'seed: MQTT Quality of Service; MQTT 3.1.1 section 4.3',
    'The device completes the handshake of every message it receives: PUBACK for QoS 1; PUBREC, then PUBCOMP for QoS 2.'),
  rule('qos.resend-dup', 'violation', 'MQTT 3.1.1 sections 3.3.1.1 [MQTT-3.3.1-1] and 4.4 [MQTT-4.4.0-1]',
    'A PUBLISH the device sends again because it was not acknowledged has the DUP flag set and, on a ' +
      'resumed session, its original packet id.'),
  rule('operations.lifecycle', 'violation', 'SPEC 6 (operation life)',
    'The device answers an operation with 501, then 503 or 502, for the operation\'s fragment, in order, once each.'),
  rule('resilience.reconnect-backoff', 'violation', 'issue 14; Cumulocity: a client over its limits is disconnected',
    'After a lost or refused connection the device waits between attempts (at least the floor the scenario ' +
      'states), never storming the platform, and gets back.'),
  rule('resilience.link-noticed', 'violation', 'MQTT 3.1.1 section 3.1.2.10 and 3.12; issue 14',
    'A link that went silent (nothing heard) is noticed by the device within the time the scenario allows ' +
      '(it pings, hears nothing, gives up), and it connects again.'),
  rule('resilience.rate-slowdown', 'violation', 'issue 14; Cumulocity: a client over its rate limit is disconnected',
    'A device disconnected for its message rate comes back and slows down, instead of being disconnected ' +
      'again and again.'),
  rule('resilience.no-resend-loop', 'violation', 'issue 14; seed: s/e errors',
    'A line the platform refused (an error on s/e) is not sent again and again: at most the times the ' +
      'scenario allows.'),
  rule('performance.limit', 'violation', 'issue 14 (measurements with limits)',
    'What the scenario measures (answer times, reconnect times) stays within the limit it states.'),
  rule('hierarchy.child-data-topic', 'violation', 'seed: Device Hierarchies',
    'Data for a child goes on s/us/<child>, not on the root\'s topic.'),
  rule('hierarchy.child-operations', 'violation', 'seed: Device Hierarchies',
    'The device executes the operations addressed to its children (they arrive on the root\'s s/ds).'),
  rule('platform.data', 'violation', 'seed: SmartREST Payload; SPEC 6',
    'What the device reports reaches the platform as sent: devices, children, values, texts and units.'),
  rule('platform.behaviour', 'info', 'SPEC 3, 4 and 7',
    'The emulated platform does what Cumulocity does (retain, SUBACK 0x80, takeover, s/e, operation lines): a self-check of the lab.'),
  rule(
    'topics.subscribe-publish-topic',
    'violation',
    'seed: MQTT Retained Flag; SPEC 3',
    'The device never subscribes to a topic devices publish to (s/us, s/uc/…).',
  ),
  rule('topics.subscribe-unknown', 'violation', 'SPEC 3', 'The device subscribes only to topics the platform serves.'),
  rule(
    'topics.subscribe-before-registration',
    'violation',
    'SPEC 3',
    'The device exists (100 or any data) before it subscribes to s/ds or s/dc.',
  ),
  rule('topics.publish-unknown', 'violation', 'SPEC 3', 'The device publishes only to topics of SPEC 3.'),
  rule(
    'topics.json-via-mqtt',
    'warning',
    'SPEC 3',
    'JSON via MQTT is accepted and recorded but not emulated, so nothing it does is checked.',
  ),
  rule('mqtt.packet-size', 'violation', 'SPEC 4', "No packet is larger than the platform's limit (16184 bytes)."),
  rule('mqtt.protocol-error', 'violation', 'MQTT 3.1.1', 'Every packet the device sends is well-formed MQTT 3.1.1.'),
  rule(
    'mqtt.keepalive',
    'warning',
    'MQTT 3.1.1 section 3.1.2.10',
    'The device sends a packet (PINGREQ at least) within its keepalive.',
  ),
  rule(
    'escaping.needs-quotes',
    'violation',
    'seed: SmartREST Escaping',
    'A field holding a comma, line break, carriage return or double quote is enclosed in double quotes.',
  ),
  rule('escaping.unbalanced-quote', 'violation', 'seed: SmartREST Escaping', 'Every opening double quote is closed.'),
  rule(
    'escaping.text-after-quote',
    'violation',
    'seed: SmartREST Escaping',
    'A closing double quote is followed by a comma or the end of the line.',
  ),
  rule(
    'escaping.doubled-quote',
    'violation',
    'seed: SmartREST Escaping',
    'A double quote inside a quoted field is escaped with a backslash (\\"), not doubled ("").',
  ),
  rule(
    'escaping.stray-backslash',
    'warning',
    'SPEC 5',
    'A backslash inside quotes before a character other than " or \\ is kept as it is.',
  ),
  rule(
    'escaping.unquoted-whitespace',
    'warning',
    'SPEC 5',
    'A field with leading or trailing whitespace is quoted, or the whitespace is lost.',
  ),
  rule(
    'smartrest.unknown-template',
    'violation',
    'SPEC 6 and 7',
    'Every line starts with a documented static template id (or uses a custom template).',
  ),
  rule(
    'smartrest.parameters',
    'violation',
    'SPEC 6 and 7',
    "Every line has the template's mandatory parameters, of the right kind, and no more than it takes.",
  ),
  rule(
    'platform.device-exists',
    'info',
    'SPEC 8',
    'A repeated 100 (or 101 for an existing child) is answered 41; that is fine.',
  ),
  rule(
    'platform.not-processed',
    'warning',
    'SPEC 7',
    'The platform could not process a line (41), e.g. 305 for no active alarm.',
  ),
  rule(
    'platform.server-error',
    'info',
    'SPEC 7',
    "The emulated platform failed to process a line (50); not the device's fault.",
  ),
  rule(
    'hierarchy.unknown-child',
    'violation',
    'seed: Device Hierarchies',
    "Data for a child below the first level goes to a child created before (101 on its parent's topic).",
  ),
  rule(
    'operations.no-matching',
    'warning',
    'SPEC 6 and 8',
    'A status message (501–506) matches an operation of the device.',
  ),
  rule(
    'operations.answered-twice',
    'violation',
    'SPEC 6 and 8',
    'An operation is answered once: no status after it finished.',
  ),
  rule(
    'operations.status-topic',
    'violation',
    'seed: Device Hierarchies; SPEC 6',
    "A child's operation status goes on that child's topic (s/us/<child>).",
  ),
  rule('custom.bad-template', 'violation', 'SPEC 9', 'Every 10 and 11 line of a template collection is well-formed.'),
  rule('custom.collection-exists', 'info', 'SPEC 9', 'A collection cannot be created twice; the platform answers 41.'),
  rule('custom.unknown-collection', 'violation', 'SPEC 9', 'Custom-template data uses a collection that exists.'),
  rule('custom.unknown-message', 'violation', 'SPEC 9', 'Custom-template data uses a message id of its collection.'),
  rule(
    'custom.parameters',
    'violation',
    'SPEC 9',
    'Custom-template data has the values its template asks for, of the right type.',
  ),
  rule(
    'jwt.password-device',
    'warning',
    'SPEC 10',
    'Only a device that logged in with a certificate asks for a token on s/uat.',
  ),
];

export const RULES: ReadonlyMap<string, Rule> = new Map(ALL.map((r) => [r.id, r]));

/** the rule and severity a finding carries in the record; strict runs count warnings as violations */
export function finding(ruleId: string, strict = false): { rule: string; severity: Severity } {
  const r = RULES.get(ruleId);
  if (!r) throw new Error(`no rule '${ruleId}' in the rulebook (support/rules.ts)`);
  return { rule: r.id, severity: strict && r.severity === 'warning' ? 'violation' : r.severity };
}

/**
 * Records of format version 1 carry no rule on their decisions: the rule follows from the
 * decision's name (and for s/e answers, the code), so old records read the same way as new ones.
 */
const LEGACY: Readonly<Record<string, string>> = {
  'clientid-rejected': 'clientid.format',
  'protocol-refused': 'connect.protocol-level',
  'login-refused': 'connect.credentials',
  'will-ignored': 'connect.last-will',
  'will-stored': 'connect.last-will',
  'subscription-refused': 'topics.subscribe-unknown',
  'publish-refused': 'topics.publish-unknown',
  'oversized-packet': 'mqtt.packet-size',
  'client-error': 'mqtt.protocol-error',
  'connection-error': 'mqtt.protocol-error',
  'keepalive-timeout': 'mqtt.keepalive',
};
const LEGACY_CODES: Readonly<Record<number, string>> = {
  40: 'smartrest.unknown-template',
  41: 'platform.not-processed',
  42: 'escaping.unbalanced-quote',
  45: 'smartrest.parameters',
  50: 'platform.server-error',
};

/** the format version of a record, from its header (records without one are taken as format 1) */
export function formatOf(events: readonly { kind?: string; format?: unknown; version?: unknown }[]): number {
  const header = events.find((e) => e.kind === 'meta' && e.format !== undefined);
  return typeof header?.version === 'number' ? header.version : 1;
}

/**
 * The rule and severity of a record event, if it is a finding. Format 2 writes them on the event;
 * for format 1 (pass format 1) they follow from the decision's name and an s/e answer's code.
 */
export function ruleOf(
  e: { kind?: string; decision?: unknown; rule?: unknown; severity?: unknown; code?: unknown; findings?: unknown },
  format = 2,
): { rule: string; severity: Severity } | undefined {
  if (typeof e.rule === 'string' && typeof e.severity === 'string') return { rule: e.rule, severity: e.severity as Severity };
  if (format >= 2 || e.kind !== 'decision' || typeof e.decision !== 'string') return undefined;
  if (e.decision === 'smartrest-error' && typeof e.code === 'number' && LEGACY_CODES[e.code]) return finding(LEGACY_CODES[e.code]!);
  if (e.decision === 'smartrest-finding' && Array.isArray(e.findings) && e.findings.length > 0) {
    return finding(`escaping.${(e.findings[0] as { code: string }).code}`);
  }
  const id = LEGACY[e.decision];
  return id ? finding(id) : undefined;
}
