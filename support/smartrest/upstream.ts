// Reads one upstream SmartREST line against the static template catalogue: its parameters by
// name, checked for presence and kind, or the s/e code and text the platform answers with.
import { withoutTrailingEmpty } from './codec.ts';
import { SEVERITIES, UPSTREAM, type ParamSpec, type ReadLine } from './catalogue/index.ts';

export type { ReadLine };

export interface LineError {
  ok: false;
  code: 40 | 41 | 42 | 45 | 50;
  rule: string;
  templateId: string;
  text: string;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_TIME = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/;

/** an ISO 8601 date or time; the platform itself writes offsets without a colon (+0200), so both forms count */
export function isIsoTime(v: string): boolean {
  return ISO_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
}
const INTEGER = /^[+-]?\d+$/;

function checkKind(p: ParamSpec, v: string): string | undefined {
  if (p.kind === 'number' && !NUMBER.test(v)) return `${p.name} must be a number, not '${v}'`;
  if (p.kind === 'integer' && !INTEGER.test(v)) return `${p.name} must be a whole number, not '${v}'`;
  if (p.kind === 'boolean' && !/^(true|false)$/i.test(v)) return `${p.name} must be true or false, not '${v}'`;
  if (p.kind === 'time' && !isIsoTime(v)) return `${p.name} must be an ISO 8601 time, not '${v}'`;
  if (p.kind === 'severity' && !(SEVERITIES as readonly string[]).includes(v.toUpperCase()))
    return `${p.name} must be one of ${SEVERITIES.join(', ')}, not '${v}'`;
  if (p.values && !p.values.includes(v.toUpperCase()))
    return `${p.name} must be one of ${p.values.join(', ')}, not '${v}'`;
  return undefined;
}

function readParams(
  specs: readonly ParamSpec[],
  fields: string[],
  at: number,
  into: Record<string, string>,
): string | undefined {
  for (let i = 0; i < specs.length; i++) {
    const p = specs[i]!;
    const v = fields[at + i] ?? '';
    if (v === '') {
      if (p.required) return `${p.name} (parameter ${at + i}) is mandatory`;
      if (p.default !== undefined) into[p.name] = p.default;
      continue;
    }
    const bad = checkKind(p, v);
    if (bad) return bad;
    into[p.name] = v;
  }
  return undefined;
}

export function readUpstreamLine(rawFields: readonly string[]): ReadLine | LineError {
  const fields = withoutTrailingEmpty(rawFields);
  const templateId = fields[0] ?? '';
  const template = /^\d+$/.test(templateId) ? UPSTREAM.get(Number(templateId)) : undefined;
  if (!template)
    return {
      ok: false,
      code: 40,
      rule: 'smartrest.unknown-template',
      templateId,
      text: 'No static template for this message id',
    };
  const wrong = (text: string): LineError => ({ ok: false, code: 45, rule: 'smartrest.parameters', templateId, text });
  const given = fields.length - 1;
  const fixed = template.params.length;
  const values: Record<string, string> = {};
  const groups: Record<string, string>[] = [];
  if (template.repeat) {
    const size = template.repeat.length;
    const count = Math.max(0, Math.ceil((given - fixed) / size));
    if (count < (template.minRepeats ?? 0)) {
      return wrong(
        `template ${templateId} needs at least ${template.minRepeats} group(s) of ${template.repeat.map((p) => p.name).join(', ')}`,
      );
    }
    for (let g = 0; g < count; g++) {
      const group: Record<string, string> = {};
      const bad = readParams(template.repeat, fields, 1 + fixed + g * size, group);
      if (bad) return wrong(`group ${g + 1}: ${bad}`);
      groups.push(group);
    }
  } else if (!template.freeRest && given > fixed) {
    return wrong(`template ${templateId} takes at most ${fixed} parameters, got ${given}`);
  }
  const bad = readParams(template.params, fields, 1, values);
  if (bad) return wrong(bad);
  return { ok: true, template, values, groups, rest: fields.slice(1) };
}
