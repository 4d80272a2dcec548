// A standalone broker that has just been through a storm (a soak, a fleet that came and left)
// keeps its garbage until V8 next needs room, which on a quiet broker can be never: its RSS stays
// at the peak for as long as it runs (measured: 267 MiB after 20,000 fuzzed connections, of
// which a heap snapshot found 27 MiB live, against 146 MiB at the start). When the churn calms
// after a busy spell, collections give the memory back (to within 20% of the start,
// bench/soak.bench.ts).
import { fullGc } from '../record/full-gc.ts';
import { collectWriterGarbage } from '../record/record.ts';

export interface CalmOptions {
  /** how often to look (default 2 s) */
  everyMs?: number;
  /** connections since the last collection that make a spell busy (default 1,000) */
  busy?: number;
  /** at most this many since the last look and the spell is over (default 50) */
  calm?: number;
  /** what a collection does (default: a full collection here and in the record writer) */
  collect?: () => void;
}

/**
 * Collect when a busy spell of connections ends, and three times more, two looks apart: V8 gives
 * the pages a collection freed back to the system only at a later one. `opened` counts connections.
 */
export function collectWhenCalm(opened: () => number, o: CalmOptions = {}): () => void {
  const look = calmWatch(opened, o);
  const timer = setInterval(look, o.everyMs ?? 2000);
  timer.unref();
  return () => clearInterval(timer);
}

/** one look at the counter, and a collection when it is time: the schedule, without the timer */
export function calmWatch(opened: () => number, o: CalmOptions = {}): () => void {
  const busy = o.busy ?? 1_000;
  const calm = o.calm ?? 50;
  const collectNow = o.collect ?? collect;
  let seen = opened();
  let spell = 0;
  let looks = 0;
  return () => {
    const now = opened();
    const recent = now - seen;
    seen = now;
    spell += recent;
    if (recent > calm) return;
    if (spell >= busy) {
      spell = 0;
      looks = 6;
      collectNow();
    } else if (looks > 0 && --looks % 2 === 0) collectNow();
  };
}

function collect(): void {
  fullGc();
  collectWriterGarbage();
}
