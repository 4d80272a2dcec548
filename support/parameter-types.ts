// Cucumber parameter types: durations, QoS, transports, template ids and JSON strings.
import { defineParameterType } from '@cucumber/cucumber';
import { TRANSPORTS } from './broker/options.ts';
import { DOWNSTREAM, OPERATION_TEMPLATES } from './smartrest/catalogue/index.ts';

defineParameterType({
  name: 'duration',
  regexp: /(\d+(?:\.\d+)?) ?(ms|milliseconds?|s|seconds?|minutes?)/,
  transformer: (n: string, unit: string) => Number(n) * (unit.startsWith('m') && unit !== 'ms' && !unit.startsWith('milli') ? 60_000 : unit === 'ms' || unit.startsWith('milli') ? 1 : 1000),
});

defineParameterType({ name: 'qos', regexp: /QoS ([012])/, transformer: (q: string) => Number(q) as 0 | 1 | 2 });

defineParameterType({ name: 'transport', regexp: new RegExp(`(${TRANSPORTS.join('|')})`), transformer: (t: string) => t });

// an operation template of the catalogue: a template that is not documented is a clear step error
defineParameterType({
  name: 'template', regexp: /(\d{3})/,
  transformer: (t: string) => {
    if (!DOWNSTREAM.get(Number(t))?.fragment) {
      throw new Error(`${t} is not a documented operation template; known: ${OPERATION_TEMPLATES.map((x) => x.id).join(', ')}`);
    }
    return Number(t);
  },
});

/** a JSON list of strings, for an operation's parameters: ["fw", "1.0", "http://h/fw"] */
defineParameterType({ name: 'params', regexp: /(\[.*\])/, transformer: (s: string) => JSON.parse(s) as string[] });

/** a JSON object, for an operation given as the platform keeps it: {"c8y_Command": {"text": "ls"}} */
defineParameterType({ name: 'object', regexp: /(\{.*\})/, transformer: (s: string) => JSON.parse(s) as Record<string, unknown> });

/** a JSON string literal, so a value can hold commas, quotes and \n line breaks */
defineParameterType({ name: 'json', regexp: /("(?:[^"\\]|\\.)*")/, transformer: (s: string) => JSON.parse(s) as string });
