// What the device's data did on the platform, judged from the record's platform changes, and the
// emulated platform's own promises (retain, s/e) as a self-check of the lab.
import type { RecordEvent } from '../record/events.ts';
import { platformChanges } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, notApplicable, pass, type Ctx, type Verdict } from './verdict.ts';

const dataChanges = (c: Ctx) => c.events.filter((e) => e.kind === 'platform' || e.decision === 'smartrest-error');

/** a check of the latest matching platform change: `ok` says whether its value is the one wanted */
function latest(
  c: Ctx,
  change: string,
  of: (e: RecordEvent) => boolean,
  ok: (e: RecordEvent) => boolean,
  expected: string,
  got: (e: RecordEvent) => string,
): Verdict {
  const last = platformChanges(c.events, change, of).at(-1);
  if (last && ok(last)) return pass('platform.data', [last]);
  return broken(
    'platform.data',
    c,
    last ? `The latest one has ${got(last)}.` : 'The platform has none.',
    dataChanges(c),
    { expected },
  );
}

export function knowsDevice(c: Ctx, id: string): Verdict {
  const made = c.events.filter(
    (e) =>
      e.kind === 'platform' && (e.change === 'device-created' || e.change === 'child-created') && e.deviceId === id,
  );
  if (made.length > 0) return pass('platform.data', made);
  return broken('platform.data', c, 'No such device was created.', dataChanges(c), {
    expected: `a device '${id}' on the platform.`,
  });
}

const measurementOf = (e: RecordEvent, fragment: string, series: string) =>
  (e.measurements as { fragment: string; series: string; value: number; unit?: string }[]).find(
    (m) => m.fragment === fragment && m.series === series,
  );

export function measured(
  c: Ctx,
  device: string,
  fragment: string,
  series: string,
  want: { value?: number; unit?: string },
): Verdict {
  const has = (e: RecordEvent) => e.deviceId === device && measurementOf(e, fragment, series) !== undefined;
  const ok = (e: RecordEvent) => {
    const m = measurementOf(e, fragment, series)!;
    return (want.value === undefined || m.value === want.value) && (want.unit === undefined || m.unit === want.unit);
  };
  const what = [
    want.value !== undefined ? `the value ${want.value}` : '',
    want.unit !== undefined ? `the unit ${JSON.stringify(want.unit)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return latest(c, 'measurement', has, ok, `a measurement ${fragment}.${series} on '${device}' with ${what}.`, (e) => {
    const m = measurementOf(e, fragment, series)!;
    return `the value ${m.value} and the unit ${JSON.stringify(m.unit)}`;
  });
}

export function eventWithText(c: Ctx, device: string, type: string, text: string): Verdict {
  const ev = (e: RecordEvent) => e.event as { type: string; text: string };
  return latest(
    c,
    'event',
    (e) => e.deviceId === device && ev(e).type === type,
    (e) => ev(e).text === text,
    `an event ${type} with the text ${JSON.stringify(text)}.`,
    (e) => `the text ${JSON.stringify(ev(e).text)}`,
  );
}

/** the device reported the configuration it was sent, if its profile promises to (113); else not judged */
export function configurationReportedAs(c: Ctx, device: string, text: string): Verdict {
  return c.promised?.configurationReported ? configurationIs(c, device, text) : notApplicable('platform.data');
}

/**
 * a temperature reached the platform in the fragment and series the profile names
 * (default c8y_TemperatureMeasurement.T)
 */
export function temperatureOf(c: Ctx, device: string, value: number): Verdict {
  const t = c.promised?.temperature ?? { fragment: 'c8y_TemperatureMeasurement', series: 'T' };
  return measured(c, device, t.fragment, t.series, { value });
}

export function configurationIs(c: Ctx, device: string, text: string): Verdict {
  const config = (e: RecordEvent) => (e.value as { config?: string } | undefined)?.config;
  return latest(
    c,
    'fragment-set',
    (e) => e.deviceId === device && e.fragment === 'c8y_Configuration',
    (e) => config(e) === text,
    `the configuration ${JSON.stringify(text)} on '${device}'.`,
    (e) => `the configuration ${JSON.stringify(config(e))}`,
  );
}

/** a retained publish was accepted, handled like any other, and nothing the broker sent carries the flag */
export function retainIgnored(c: Ctx): Verdict {
  const ignored = c.events.filter((e) => e.decision === 'retain-ignored');
  const flagged = c.events.filter(
    (e) => e.kind === 'packet' && e.dir === 'out' && e.type === 'publish' && (e.packet as { retain?: boolean }).retain,
  );
  if (ignored.length > 0 && flagged.length === 0) return pass('platform.behaviour', ignored);
  return broken(
    'platform.behaviour',
    c,
    flagged.length
      ? `${flagged.length} PUBLISH(es) from the broker carry the retain flag.`
      : 'No retained publish was seen.',
    [...ignored, ...flagged],
    {
      expected:
        'a retained publish handled like any other, nothing stored as retained, and no retain flag from the broker.',
    },
  );
}

export const PASSIVE: PassiveRule[] = [
  decidedRule('platform.not-processed'),
  decidedRule('platform.device-exists'),
  decidedRule('platform.server-error'),
];
