// Checks on the connect phase: the CONNACK a connection got.
import type { RecordEvent } from '../record/events.ts';
import { select } from '../record/query.ts';
import { failure } from './excerpt.ts';

/** The CONNACK on a connection carried the expected return code. */
export function checkConnack(events: readonly RecordEvent[], conn: string, expected: number, recordPath?: string): void {
  const onConn = select(events, { conn });
  const ack = onConn.find((e) => e.kind === 'packet' && e.type === 'connack');
  const code = (ack?.packet as { returnCode?: number } | undefined)?.returnCode;
  if (code !== expected) throw failure(`CONNACK ${expected} on ${conn}, got ${ack ? `CONNACK ${code}` : 'no CONNACK'}`, onConn, recordPath);
}
