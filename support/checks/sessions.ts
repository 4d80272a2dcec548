// Sessions: the clean session flag, as the platform documents it and as the device was configured.
import type { RecordEvent } from '../record/events.ts';
import { devicePackets } from './device-traffic.ts';
import type { PassiveRule } from './from-decisions.ts';
import { broken, notApplicable, pass, type Ctx, type Verdict } from './verdict.ts';

const connects = (c: Ctx) => devicePackets(c.events, c.deviceId, 'connect', 'in');
const clean = (e: RecordEvent) => (e.packet as { clean?: boolean }).clean !== false;

/** clean session 0 is a warning: the platform documents clean session 1 */
export function cleanSession1(c: Ctx): Verdict {
  const persistent = connects(c).filter((e) => !clean(e));
  if (persistent.length === 0) return pass('sessions.clean-session-0', connects(c));
  return broken(
    'sessions.clean-session-0',
    c,
    `${persistent.length} CONNECT(s) of the device have clean session 0.`,
    persistent,
  );
}

/** every CONNECT of the device has the clean session flag it was configured with */
export function cleanAsConfigured(c: Ctx, want = c.expect?.clean): Verdict {
  if (want === undefined || connects(c).length === 0) return notApplicable('sessions.clean-as-configured');
  const wrong = connects(c).filter((e) => clean(e) !== want);
  if (wrong.length === 0) return pass('sessions.clean-as-configured', connects(c));
  return broken(
    'sessions.clean-as-configured',
    c,
    `The device was configured with clean session ${want ? 1 : 0}; ${wrong.length} of its CONNECTs have clean session ${want ? 0 : 1}.`,
    wrong,
    { expected: `every CONNECT of the device with clean session ${want ? 1 : 0}, as configured.` },
  );
}

/** the lab's own doing: the first accepted reconnect after `since` found the device's session (session present) */
export function sessionResumedSince(c: Ctx, since: number): Verdict {
  const acks = devicePackets(c.events, c.deviceId, 'connack', 'out').filter(
    (e) => e.seq > since && (e.packet as { returnCode?: number }).returnCode === 0,
  );
  const first = acks[0];
  if (first && (first.packet as { sessionPresent?: boolean }).sessionPresent)
    return pass('platform.behaviour', [first]);
  return broken(
    'platform.behaviour',
    c,
    first ? 'Its CONNACK says no session was present.' : 'It has not connected again.',
    first ? [first] : [],
    {
      expected: "the broker to resume the device's session on its reconnect (CONNACK session present 1).",
      final: !!first,
    },
  );
}

export const PASSIVE: PassiveRule[] = [
  { id: 'sessions.clean-session-0', judge: cleanSession1 },
  { id: 'sessions.clean-as-configured', judge: (c) => cleanAsConfigured(c) },
];
