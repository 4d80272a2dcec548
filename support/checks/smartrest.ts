// SmartREST: the seed's quoting and escaping of every line the device sends, and what the platform
// answered on s/e about its lines (unknown templates, wrong parameters, custom templates, tokens).
import { parseUpstreamTopic } from '../broker/topics.ts';
import type { RecordEvent } from '../record/events.ts';
import { finding } from '../rules.ts';
import { parsePayload, type FindingCode } from '../smartrest/codec.ts';
import { devicePackets, payloadOf, topicOf } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, pass, type Ctx, type Verdict } from './verdict.ts';

/** the device's SmartREST lines: every PUBLISH on an upstream static or custom topic, or a collection */
function smartrestPublishes(c: Ctx): RecordEvent[] {
  return devicePackets(c.events, c.deviceId, 'publish', 'in').filter((e) => {
    const kind = parseUpstreamTopic(topicOf(e))?.kind;
    return kind === 'static' || kind === 'custom' || kind === 'template-collection';
  });
}

/** one escaping rule: no line the device sent has a finding of this code */
export function escapingRule(code: FindingCode): PassiveRule {
  const id = `escaping.${code}`;
  return {
    id,
    judge(c) {
      const pubs = smartrestPublishes(c);
      for (const e of pubs) {
        for (const line of parsePayload(payloadOf(e))) {
          const f = line.findings.find((x) => x.code === code);
          if (f)
            return broken(
              id,
              c,
              `The line ${JSON.stringify(line.text)} on ${topicOf(e)} has ${code} at character ${f.offset - line.offset + 1}: ${f.message}.`,
              [e],
            );
        }
      }
      return pass(id, pubs.slice(-3));
    },
  };
}

const CODES: FindingCode[] = [
  'needs-quotes',
  'unbalanced-quote',
  'text-after-quote',
  'doubled-quote',
  'stray-backslash',
  'unquoted-whitespace',
];
const ESCAPING = CODES.map(escapingRule);

/** every line the device sent follows the seed's escaping: no finding that counts as a violation in this run */
export function seedEscaping(c: Ctx): Verdict {
  const verdicts = ESCAPING.map((r) => r.judge(c));
  return (
    verdicts.find((v) => !v.ok && finding(v.rule, c.strict).severity === 'violation') ??
    verdicts.find((v) => !v.ok) ??
    pass('escaping.needs-quotes', smartrestPublishes(c).slice(-3))
  );
}

/** the platform answered the device on s/e with this code (a self-check of the lab) */
export function answeredOnSe(c: Ctx, code: number): Verdict {
  const sent = devicePackets(c.events, c.deviceId, 'publish', 'out').filter((e) => topicOf(e) === 's/e');
  const hit = sent.find((e) => payloadOf(e).startsWith(`${code},`));
  if (hit) return pass('platform.behaviour', [hit]);
  return broken(
    'platform.behaviour',
    c,
    `The device got ${sent.length} line(s) on s/e: ${sent.map(payloadOf).join(' | ') || 'none'}.`,
    [...sent, ...c.events.filter((e) => e.decision === 'smartrest-error')],
    { expected: `a line with code ${code} on s/e to the device.` },
  );
}

export const PASSIVE: PassiveRule[] = [
  ...ESCAPING,
  decidedRule('smartrest.unknown-template'),
  decidedRule('smartrest.parameters'),
  decidedRule('custom.bad-template'),
  decidedRule('custom.unknown-collection'),
  decidedRule('custom.unknown-message'),
  decidedRule('custom.parameters'),
  decidedRule('custom.collection-exists'),
  decidedRule('jwt.password-device'),
];
