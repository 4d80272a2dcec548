// aedes' memory persistence, with one change the spec needs: a QoS 1/2 message that was sent
// before but never acknowledged is resent with DUP set when the session resumes.
import memoryPersistence from 'aedes-persistence';

// the package's types describe its class; at run time the default export is a factory
const memory = memoryPersistence as unknown as () => { outgoingStream(client: unknown): Readable };
import type { Readable } from 'node:stream';

interface StoredPacket { cmd?: string; messageId?: number; dup?: boolean }

export function createSessionStore(): object {
  const store = memory();
  const outgoingStream = store.outgoingStream.bind(store);
  store.outgoingStream = (client) =>
    outgoingStream(client).map((p: StoredPacket) => {
      // a message id is given when the message is first written; queued-while-offline ones have none
      if ((p.cmd ?? 'publish') === 'publish' && p.messageId) p.dup = true;
      return p;
    });
  return store;
}
