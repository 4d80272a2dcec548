// The emulator's fault switches: each one a realistic firmware bug that one check must catch.

export const FAULTS = {
  'malformed-clientid': 'uses the ClientId "c8y:<serial>", whose connection type is not d (CONNACK 2)',
  'no-quoting': 'writes fields as they are: commas, quotes and line breaks are never quoted',
  'doubled-quotes': 'quotes fields but escapes a double quote by doubling it ("") instead of \\"',
  'qos0': 'publishes and subscribes with QoS 0 whatever QoS is configured',
  'qos2-twice': 'acts on a QoS 2 operation when its PUBLISH arrives, so a redelivery (DUP) is acted on again',
  'clean-session-1': 'connects with clean session 1 even when clean session 0 is configured',
  'child-on-root': "sends a child's data on the root topic s/us instead of s/us/<child>",
  'ignore-child-ops': 'ignores operations addressed to a child device',
  'early-subscribe': 'subscribes to s/ds before it registers with 100',
  'wrong-fragment': 'answers an operation with 501/503 for the wrong fragment',
  'last-will': 'sets a last will (400,c8y_ConnectionLost) and relies on it to report going offline',
} as const;

export type Fault = keyof typeof FAULTS;
export const isFault = (name: string): name is Fault => Object.hasOwn(FAULTS, name);
