// Rules the emulated platform itself judges as it processes the device's traffic (an s/e answer,
// a login refused): the record holds its decision with the rule, and the check reads it back.
import { formatOf, ruleOf } from '../rules.ts';
import { deviceDecisions } from './device-traffic.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

export interface PassiveRule {
  id: string;
  judge(c: Ctx): Verdict;
}

/** a rule that breaks when the record holds a decision about the device under it */
export function decidedRule(id: string): PassiveRule {
  return {
    id,
    judge(c) {
      const format = formatOf(c.events);
      const hits = deviceDecisions(c.events, c.deviceId).filter((e) => ruleOf(e, format)?.rule === id);
      if (hits.length === 0) return pass(id);
      const what = hits.map(
        (e) =>
          `${String(e.decision)}${e.answer ? ` (answered ${JSON.stringify(e.answer)})` : ''}: ${String(e.reason ?? '')}`,
      );
      return broken(
        id,
        c,
        `The platform decided ${hits.length} time(s): ${what.slice(0, 3).join('; ')}${hits.length > 3 ? '; …' : ''}`,
        hits,
      );
    },
  };
}
