// V8's full collection in the calling thread, without starting node with --expose-gc: for a
// long-running broker that gives memory back when it goes quiet (support/broker/idle-gc.ts).
// (Node 20's V8 does a full collection only when gc() is called without options.)
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

export function fullGc(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
