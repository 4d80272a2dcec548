// Entry of the record writer thread.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { handle } from './writer.ts';
import type { WriterMessage } from './batch.ts';
import { fullGc } from './full-gc.ts';

parentPort!.on('message', (m: WriterMessage) => (m.op === 'gc' ? fullGc() : handle(m)));

// The writer yields the CPU to the broker and the devices: under load it falls behind and catches
// up when they are idle. Linux applies setpriority to a thread when given its thread id.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  /* not Linux, or not allowed: run at the normal priority */
}
