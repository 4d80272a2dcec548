// The emulator's fault switches: each one a realistic firmware bug, the rules that must catch it,
// and the features whose scenarios show it. The fault matrix, the README and the tests read this
// one table.

export interface FaultRow {
  /** what the firmware does wrong */
  does: string;
  /** every rule that must report a violation in a run with the fault */
  rules: readonly string[];
  /** the features to run for it (the scenarios its rules need: FILE, or FILE:LINE of a Scenario or an example) */
  features: readonly string[];
  /** environment the run needs (a warning counts only in a strict run) */
  env?: Readonly<Record<string, string>>;
}

const REGISTRATION = 'features/connect/registration.feature';
// one scenario shows each of these faults: the matrix runs it alone, not its whole file (the
// escaping faults keep theirs: which value shows each depends on the device's dialect)
/** c8y_Restart executed: one operation, sent at QoS 1, answered 501 then 503 */
const EXECUTED_OPERATION = 'features/operations/lifecycle.feature:30';
const f = (
  does: string,
  rules: string[],
  features: string[] = [REGISTRATION],
  env?: Record<string, string>,
): FaultRow => ({ does, rules, features, ...(env ? { env } : {}) });

export const FAULTS = {
  'malformed-clientid': f('uses the ClientId "c8y:<serial>", whose connection type is not d (CONNACK 2)', [
    'clientid.format',
    'connect.accepted',
  ]),
  'protocol-v5': f('connects with MQTT 5 (protocol level 5) instead of 3.1.1', [
    'connect.protocol-level',
    'connect.accepted',
  ]),
  'tenantless-login': f('logs in with its user name alone, without "<tenant>/"', [
    'connect.credentials',
    'connect.accepted',
  ]),
  'wrong-certificate': f(
    "presents the certificate of another unit (its CN is not the ClientId's identifier)",
    ['connect.certificate', 'connect.accepted'],
    ['features/connect/certificate.feature'],
  ),
  'no-quoting': f(
    'writes fields as they are: commas, quotes and line breaks are never quoted',
    ['escaping.needs-quotes', 'platform.data'],
    ['features/smartrest/escaping.feature'],
  ),
  'doubled-quotes': f(
    'quotes fields but escapes a double quote by doubling it ("") instead of \\"',
    ['escaping.doubled-quote'],
    ['features/smartrest/escaping.feature'],
  ),
  'unclosed-quote': f(
    'opens a quote around a field that needs one and never closes it',
    ['escaping.unbalanced-quote', 'platform.data'],
    ['features/smartrest/escaping.feature'],
  ),
  'text-after-quote': f(
    'closes the quote before the last character of the field ("a,b"c)',
    ['escaping.text-after-quote', 'platform.data'],
    ['features/smartrest/escaping.feature'],
  ),
  'unknown-template': f('sends its supported operations with template 144, which does not exist (114 does)', [
    'smartrest.unknown-template',
  ]),
  'bad-parameters': f('sends its temperature with the unit in the value (211,21.5C)', ['smartrest.parameters']),
  qos0: f(
    'publishes and subscribes with QoS 0 whatever QoS is configured',
    ['qos.as-configured'],
    ['features/qos/qos.feature:19'],
  ),
  'no-puback': f('never acknowledges a QoS 1 message it receives', ['qos.downstream-handshake'], [EXECUTED_OPERATION]),
  'qos2-twice': f(
    'acts on a QoS 2 operation when its PUBLISH arrives, so a redelivery (DUP) is acted on again',
    ['operations.lifecycle'],
    ['features/qos/qos.feature:23'],
  ),
  'double-answer': f(
    'sends 503 twice for every operation it executes',
    ['operations.answered-twice'],
    [EXECUTED_OPERATION],
  ),
  'clean-session-1': f(
    'connects with clean session 1 even when clean session 0 is configured',
    ['sessions.clean-as-configured'],
    ['features/sessions/clean-session.feature:6'],
  ),
  'subscribe-wrong-topics': f('also subscribes to s/us (its own data) and to c8y/ds (no such topic)', [
    'topics.subscribe-publish-topic',
    'topics.subscribe-unknown',
  ]),
  'early-subscribe': f('subscribes to s/ds before it registers with 100', ['topics.subscribe-before-registration']),
  'publish-unknown-topic': f('publishes its temperature on s/us/ with a trailing slash', ['topics.publish-unknown']),
  'oversized-publish': f('sends a configuration of 17,000 bytes in one PUBLISH when it registers', [
    'mqtt.packet-size',
  ]),
  'malformed-packet': f('sends a PUBLISH with QoS 3, which MQTT does not have, after it connects', [
    'mqtt.protocol-error',
  ]),
  'child-on-root': f(
    "sends a child's data and operation status on the root topic s/us instead of s/us/<child>",
    ['hierarchy.child-data-topic', 'operations.status-topic'],
    ['features/hierarchy/children.feature'],
  ),
  'wrong-child-path': f(
    "puts its own identifier into a child's topic (s/us/<serial>/<child>)",
    ['hierarchy.unknown-child'],
    ['features/hierarchy/children.feature'],
  ),
  'ignore-child-ops': f(
    'ignores operations addressed to a child device',
    ['hierarchy.child-operations'],
    ['features/hierarchy/children.feature'],
  ),
  'wrong-fragment': f(
    'answers an operation with 501/503 for the wrong fragment',
    ['operations.lifecycle'],
    [EXECUTED_OPERATION],
  ),
  'first-line-only': f(
    'acts on the first line of an operation PUBLISH only (the platform pushes pending operations several to a PUBLISH)',
    ['operations.lifecycle'],
    ['features/resilience/batch.feature'],
  ),
  'no-resubscribe': f(
    'does not subscribe again after a reconnect that found no session (clean session 1)',
    ['operations.lifecycle'],
    ['features/resilience/batch.feature'],
  ),
  'no-backoff': f(
    'tries to reconnect every 20 ms after a lost or refused connection',
    ['resilience.reconnect-backoff'],
    ['features/resilience/reconnect.feature:7:24'],
  ),
  'no-dup': f(
    'sends an unacknowledged PUBLISH again on its next connection with DUP 0',
    ['qos.resend-dup'],
    ['features/resilience/handshakes.feature:7'],
  ),
  'resend-on-refusal': f(
    'sends a line the platform refused on s/e again 200 ms later, every time it is refused',
    ['resilience.no-resend-loop'],
    ['features/resilience/refused.feature'],
  ),
  'no-slowdown': f(
    'sends everything not acknowledged again the moment its link is back, all at once, and never slows down',
    ['resilience.rate-slowdown'],
    ['features/resilience/rate-limit.feature'],
  ),
  'no-keepalive': f(
    'connects with keepalive 0 and never pings: a link that goes silent stays open for ever',
    ['resilience.link-noticed'],
    ['features/resilience/reconnect.feature:15'],
  ),
  'slow-answer': f(
    'waits 2.5 s before it answers an operation with 501',
    ['performance.limit'],
    ['features/resilience/answer-time.feature:7'],
  ),
  'bad-collection': f('defines its template collection with a request template for the API "EVENTS"', [
    'custom.bad-template',
  ]),
  'wrong-collection': f('sends its custom-template data to a collection id it never created', [
    'custom.unknown-collection',
  ]),
  'unknown-message': f('sends custom-template data with a message id its collection does not have', [
    'custom.unknown-message',
  ]),
  'custom-bad-value': f('sends a word where its collection wants an INTEGER', ['custom.parameters']),
  'last-will': f(
    'sets a last will (400,c8y_ConnectionLost) and relies on it to report going offline',
    ['connect.last-will'],
    ['features/smartrest/policy.feature:21'],
    { C8Y_HIL_STRICT: '1' },
  ),
} as const satisfies Record<string, FaultRow>;

export type Fault = keyof typeof FAULTS;
export const isFault = (name: string): name is Fault => Object.hasOwn(FAULTS, name);
