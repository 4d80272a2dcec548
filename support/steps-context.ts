// What a step hands to a check, and how the step learns the verdict: the scenario's record (judged
// again each time it grows when the step waits), the device under test and what the scenario set
// up. A Then step is one call of judge().
import { lastConnack, reconnectedSince, readyForScenario } from './checks/connect.ts';
import { assertVerdict, type Ctx, type Verdict } from './checks/verdict.ts';
import { throughout, within } from './checks/waiting.ts';
import type { HilWorld } from './world.ts';
import type { Measurement } from './checks/measure.ts';

export function ctx(w: HilWorld): Ctx {
  return {
    events: w.lab.record.events(),
    deviceId: w.device.id,
    recordPath: w.lab.recordPath,
    strict: w.lab.strict,
    expect: w.expected,
    promised: w.device.profile.expect,
  };
}

/**
 * Judge the check now; with `within`, until it passes or fails finally; with `throughout`, it must
 * hold for the whole window (after `within`, if both are given). A verdict that breaks a rule that
 * counts fails the step with the rule, the evidence and the record's path.
 */
export async function judge(
  w: HilWorld,
  check: (c: Ctx) => Verdict,
  opts: { within?: number; throughout?: number } = {},
): Promise<void> {
  const of = (events: Ctx['events']) => check({ ...ctx(w), events });
  let v = opts.within !== undefined ? await within(w.lab.record, opts.within, of) : check(ctx(w));
  if (v.ok && opts.throughout !== undefined) v = await throughout(w.lab.record, opts.throughout, of);
  assertVerdict(v);
}

/**
 * Configure the device and connect it. The step is done when the record shows the device ready
 * (accepted, known to the platform, subscribed to s/ds when it answers operations), within the
 * profile's timeouts.ready: the console's word is only the start. When it cannot connect, the step
 * fails with the rule the connection broke (its CONNACK judged as connect.accepted), or else with
 * the device's own error.
 */
export async function connectDevice(w: HilWorld): Promise<void> {
  await w.device.configure(w.settings);
  try {
    await w.device.connect();
  } catch (err) {
    await judge(w, (c) => lastConnack(c, 0), { within: 1000 });
    throw err;
  }
  const answersOperations = w.device.profile.capabilities.operations?.length !== 0;
  await judge(w, (c) => readyForScenario(c, answersOperations), { within: w.device.profile.timeouts.readyMs });
}

/** the device's link is back when the record shows its new connection accepted */
export async function linkBack(w: HilWorld): Promise<void> {
  await judge(w, (c) => reconnectedSince(c, w.linkLostAt), { within: w.device.profile.timeouts.readyMs });
}

/**
 * A measurement with a limit: judged like any check (waiting up to `wait` ms for the values), then
 * kept in the record and attached to the report, whether it held or not.
 */
export async function measure(
  w: HilWorld,
  check: (c: Ctx) => Verdict & { measurement: Measurement; also?: Measurement[] },
  wait: number,
): Promise<void> {
  let last: (Verdict & { measurement: Measurement; also?: Measurement[] }) | undefined;
  const of = (events: Ctx['events']) => (last = check({ ...ctx(w), events }));
  const v = await within(w.lab.record, wait, of);
  const final = last ?? check(ctx(w));
  // a check may measure more than one thing (a reconnect: its time and the intervals between attempts)
  for (const m of [final.measurement, ...(final.also ?? [])]) {
    w.lab.record.add('measurement', { ...m });
    w.attach(`measurement: ${JSON.stringify(m)}`, 'text/plain');
  }
  assertVerdict(v);
}
