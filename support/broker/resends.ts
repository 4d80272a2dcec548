// QoS 1 PUBLISHes the platform has acted on, per device, so that one sent again with DUP (its
// PUBACK was lost: the harness's fault, or a cut link) is not acted on twice. MQTT 3.1.1 (4.3.2)
// lets a receiver treat such a resend as a new message, and Cumulocity does not say which it does;
// acting twice would charge a device that resent as MQTT asks (an operation answered twice) for
// the link's fault. A resend without DUP is new: a device that sends again without it is judged.

interface Qos1 {
  qos?: number;
  dup?: boolean;
  messageId?: number;
  topic: string;
  payload?: Buffer | string;
}

const KEEP = 256;

export class ActedOn {
  /** per device, the last KEEP messages' keys in a ring (written at `next`) */
  private readonly byDevice = new Map<string, { keys: string[]; next: number }>();

  private key(p: Qos1): string | undefined {
    if (p.qos !== 1 || p.messageId === undefined) return undefined;
    // latin1: one character per byte, the cheapest exact text of the payload
    const body = Buffer.isBuffer(p.payload) ? p.payload.toString('latin1') : String(p.payload ?? '');
    return `${p.messageId}\u0000${p.topic}\u0000${body}`;
  }

  /** a DUP resend of a PUBLISH the platform already acted on */
  isResend(deviceId: string, p: Qos1): boolean {
    const k = p.dup === true ? this.key(p) : undefined;
    return k !== undefined && (this.byDevice.get(deviceId)?.keys.includes(k) ?? false);
  }

  remember(deviceId: string, p: Qos1): void {
    const k = this.key(p);
    if (k === undefined) return;
    let ring = this.byDevice.get(deviceId);
    if (!ring) this.byDevice.set(deviceId, (ring = { keys: [], next: 0 }));
    ring.keys[ring.next] = k;
    ring.next = (ring.next + 1) % KEEP;
  }

  /** the device is gone for good (its record closed): nothing kept for it */
  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }
}
