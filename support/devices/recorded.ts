// Every driver call goes into the record through this one wrapper (labgrid's step decorator):
// its start, its end with the time it took, or its failure with the reason. Drivers themselves
// write no such events.
import type { TrafficRecord } from '../record/record.ts';
import type { Device } from './device.ts';

const CALLS = new Set([
  'reset',
  'configure',
  'connect',
  'disconnect',
  'publish',
  'linkDown',
  'linkUp',
  'action',
  'readUntil',
]);

/** the device, with each of its calls recorded in the record it was last given */
export function recorded<D extends Device>(device: D): D {
  let record: TrafficRecord | undefined;
  return new Proxy(device, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'setRecord') {
        return (r: TrafficRecord | undefined) => {
          record = r;
          target.setRecord(r);
        };
      }
      if (typeof prop !== 'string' || !CALLS.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const name = prop === 'action' ? String(args[0]) : prop;
        const r = record;
        const started = r?.now() ?? 0;
        // an action's arguments (the value a measurement carries) let a check find what it caused
        const given = prop === 'action' && args[1] !== undefined ? { args: args[1] } : {};
        r?.add('device', { device: target.id, action: name, phase: 'start', ...given });
        try {
          const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          r?.add('device', {
            device: target.id,
            action: name,
            phase: 'end',
            ms: Math.round((r.now() - started) * 10) / 10,
          });
          return out;
        } catch (err) {
          r?.add('device', { device: target.id, action: name, phase: 'failed', reason: (err as Error).message });
          throw err;
        }
      };
    },
  });
}
