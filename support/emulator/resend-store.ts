// The firmware's store of unacknowledged packets, kept across reconnects: MQTT 3.1.1 (4.4) has a
// client re-send its unacknowledged PUBLISHes on the next connection with their original ids, and
// (3.3.1.1) with the DUP flag set. mqtt.js re-sends what its store holds but never sets DUP: the
// copy this store keeps of a PUBLISH is marked DUP, so a re-send goes out as one.
import { Store } from 'mqtt';
import type { Packet } from 'mqtt-packet';

export class ResendStore extends Store {
  constructor(private readonly markDup = true) {
    super();
  }

  override put(packet: Packet, cb: Parameters<Store['put']>[1]): this {
    const resend = this.markDup && packet.cmd === 'publish' ? { ...packet, dup: true } : packet;
    return super.put(resend, cb) as this;
  }
}
