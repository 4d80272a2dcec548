// What a scenario needs from the device, and whether the device has it. Needs come from tags
// (@needs:linkDown, @needs:children, @transport:wss) and from the steps a scenario uses (adding
// a child needs children; an operation needs the device to support it). A scenario whose needs
// the device lacks is skipped with the reason before anything runs, never failed after a timeout.
import type { Transport } from './broker/options.ts';
import type { Device } from './devices/device.ts';

export type Need =
  | { kind: 'action'; action: string }
  | { kind: 'transport'; transport: Transport }
  | { kind: 'certificates' }
  | { kind: 'operation'; fragment: string }
  | { kind: 'link-control' };

/** steps that need something, by their text (the pickle's, with outline values filled in) */
const FROM_STEPS: [RegExp, (m: RegExpMatchArray) => Need][] = [
  [
    /^the device is set up for the broker over (mqtts?|wss?)$/,
    (m) => ({ kind: 'transport', transport: m[1] as Transport }),
  ],
  [/^the device logs in with a certificate$/, () => ({ kind: 'certificates' })],
  [/^the device adds the child /, () => ({ kind: 'action', action: 'addChild' })],
  [/^the device sends the temperature /, () => ({ kind: 'action', action: 'measure' })],
  [/^the device sends \d+ temperatures /, () => ({ kind: 'action', action: 'measure' })],
  [/^the device sends a measurement /, () => ({ kind: 'action', action: 'sensor' })],
  [/^the device sends an event /, () => ({ kind: 'action', action: 'event' })],
  [/^the device publishes .* on "/, () => ({ kind: 'action', action: 'publish' })],
  [/^the device (loses|gets) its link/, () => ({ kind: 'link-control' })],
  [/^an operation (c8y_\w+) is created for /, (m) => ({ kind: 'operation', fragment: m[1]! })],
  [/^\d+ operations (c8y_\w+) are created for /, (m) => ({ kind: 'operation', fragment: m[1]! })],
];

/** a tag that states a need: @needs:<action> (or @needs:children, @needs:certificates), @transport:<t> */
function fromTag(tag: string): Need | undefined {
  const t = /^@transport:(mqtts?|wss?)$/.exec(tag);
  if (t) return { kind: 'transport', transport: t[1] as Transport };
  const n = /^@needs:(\w+)$/.exec(tag);
  if (!n) return undefined;
  if (n[1] === 'children') return { kind: 'action', action: 'addChild' };
  if (n[1] === 'certificates') return { kind: 'certificates' };
  if (n[1] === 'linkControl') return { kind: 'link-control' };
  return { kind: 'action', action: n[1]! };
}

export function needsOf(tags: readonly string[], steps: readonly string[]): Need[] {
  const out: Need[] = [];
  for (const tag of tags) {
    const n = fromTag(tag);
    if (n) out.push(n);
  }
  for (const text of steps) {
    for (const [re, need] of FROM_STEPS) {
      const m = re.exec(text);
      if (m) out.push(need(m));
    }
  }
  return out;
}

/** how a need is named in reasons and in the capability table */
export function needName(n: Need): string {
  switch (n.kind) {
    case 'action':
      return n.action === 'addChild' ? 'children' : `the ${n.action} action`;
    case 'transport':
      return `the ${n.transport} transport`;
    case 'certificates':
      return 'certificate login';
    case 'operation':
      return `the operation ${n.fragment}`;
    case 'link-control':
      return 'link control';
  }
}

/** whether the device has what the need asks for */
export function deviceHas(device: Device, n: Need): boolean {
  const caps = device.profile.capabilities;
  switch (n.kind) {
    case 'action':
      return device.has(n.action);
    case 'transport':
      return caps.transports.includes(n.transport);
    case 'certificates':
      return caps.certificates;
    case 'operation':
      return caps.operations === undefined || caps.operations.includes(n.fragment);
    // a device without console link actions has its link dropped by the broker (Lab.linkDown)
    case 'link-control':
      return true;
  }
}

/** the reason to skip: the first need the device lacks ("ACME-7 (Acme board) has no wss transport") */
export function missingNeed(device: Device, needs: readonly Need[]): { need: Need; reason: string } | undefined {
  const need = needs.find((n) => !deviceHas(device, n));
  if (!need) return undefined;
  const what = `${device.id} (${device.profile.name})`;
  const reason =
    need.kind === 'operation'
      ? `${what} does not support ${need.fragment} (capabilities.operations in ${device.profile.file})`
      : `${what} has no ${needName(need).replace(/^the /, '')} (its profile ${device.profile.file} does not offer it)`;
  return { need, reason };
}
