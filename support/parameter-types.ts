// Cucumber parameter types: durations, QoS, transports, template ids and JSON strings.
import { defineParameterType } from '@cucumber/cucumber';
import { TRANSPORTS } from './broker/options.ts';

defineParameterType({
  name: 'duration',
  regexp: /(\d+(?:\.\d+)?) ?(ms|milliseconds?|s|seconds?|minutes?)/,
  transformer: (n: string, unit: string) => Number(n) * (unit.startsWith('m') && unit !== 'ms' && !unit.startsWith('milli') ? 60_000 : unit === 'ms' || unit.startsWith('milli') ? 1 : 1000),
});

defineParameterType({ name: 'qos', regexp: /QoS ([012])/, transformer: (q: string) => Number(q) as 0 | 1 | 2 });

defineParameterType({ name: 'transport', regexp: new RegExp(`(${TRANSPORTS.join('|')})`), transformer: (t: string) => t });

defineParameterType({ name: 'template', regexp: /(\d{3})/, transformer: (t: string) => Number(t) });

/** a JSON string literal, so a value can hold commas, quotes and \n line breaks */
defineParameterType({ name: 'json', regexp: /("(?:[^"\\]|\\.)*")/, transformer: (s: string) => JSON.parse(s) as string });
