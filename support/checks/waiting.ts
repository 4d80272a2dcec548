// "Within N seconds" and "throughout N seconds" are properties of a check: it is judged again each
// time the record grows (the writer wakes the wait), and a final failure stops the wait at once.
import type { RecordEvent } from '../record/events.ts';
import type { Verdict } from './verdict.ts';
import { isInterrupted, RunInterrupted } from '../interrupt.ts';

/** how often a wait looks whether the run was interrupted */
const INTERRUPT_POLL_MS = 250;

export interface GrowingRecord {
  events(): readonly RecordEvent[];
  written(timeoutMs: number): Promise<void>;
}

const withinNote = (v: Verdict, ms: number, final: boolean): Verdict =>
  v.ok
    ? v
    : {
        ...v,
        message: `${final ? `Finally (it cannot change any more), before ${ms} ms were up` : `Within ${ms} ms`}: ${v.message}`,
      };

/** judge until the verdict passes, fails finally, or the time is up; the last verdict */
export async function within(
  record: GrowingRecord,
  ms: number,
  judge: (events: readonly RecordEvent[]) => Verdict,
): Promise<Verdict> {
  const end = Date.now() + ms;
  for (;;) {
    const v = judge(record.events());
    if (v.ok) return v;
    if (v.final) return withinNote(v, ms, true);
    const left = end - Date.now();
    if (left <= 0) return withinNote(v, ms, false);
    await record.written(Math.min(left, INTERRUPT_POLL_MS));
    if (isInterrupted()) throw new RunInterrupted();
  }
}

/** "never": the verdict must pass each time the record grows, for the whole window */
export async function throughout(
  record: GrowingRecord,
  ms: number,
  judge: (events: readonly RecordEvent[]) => Verdict,
): Promise<Verdict> {
  const end = Date.now() + ms;
  for (;;) {
    const v = judge(record.events());
    if (!v.ok) return { ...v, message: `Throughout ${ms} ms: ${v.message}` };
    const left = end - Date.now();
    if (left <= 0) return v;
    await record.written(Math.min(left, INTERRUPT_POLL_MS));
    if (isInterrupted()) throw new RunInterrupted();
  }
}
