// What a step hands to a check: the scenario's record so far and the device under test.
import type { Ctx } from './checks/conformance.ts';
import type { HilWorld } from './world.ts';

export function ctx(w: HilWorld): Ctx {
  return { events: w.lab.record.events(), deviceId: w.device.id, recordPath: w.lab.recordPath, strict: w.lab.strict };
}
