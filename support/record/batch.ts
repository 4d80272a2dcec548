// The message that carries captured traffic from the broker's thread to the record writer:
// all bytes of a batch in one transferred buffer, plus typed arrays that say whose they are.

export const ITEM_IN = 0;
export const ITEM_OUT = 1;
export const ITEM_EVENT = 2;

export interface Batch {
  op: 'batch';
  id: number;
  bytes: ArrayBuffer;
  /** per item: ITEM_IN, ITEM_OUT or ITEM_EVENT */
  kinds: Uint8Array;
  /** per chunk item: connection number; per event item: index into events */
  refs: Int32Array;
  /** per item: end offset of its bytes in `bytes` (events: unchanged) */
  ends: Int32Array;
  /** per item: ms since the record started */
  ts: Float64Array;
  events: string[];
}

export interface OpenRecord {
  op: 'open';
  id: number;
  path: string;
  startedWall: number;
  done: Int32Array;
}
export interface CloseRecord {
  op: 'close';
  id: number;
}
/** a full garbage collection in the writer's own heap (the broker went quiet after a busy spell) */
export interface CollectGarbage {
  op: 'gc';
}
export type WriterMessage = Batch | OpenRecord | CloseRecord | CollectGarbage;
