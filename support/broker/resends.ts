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
  private readonly byDevice = new Map<string, string[]>();

  private key(p: Qos1): string | undefined {
    if (p.qos !== 1 || p.messageId === undefined) return undefined;
    return `${p.messageId}\u0000${p.topic}\u0000${String(p.payload ?? '')}`;
  }

  /** a DUP resend of a PUBLISH the platform already acted on */
  isResend(deviceId: string, p: Qos1): boolean {
    const k = p.dup === true ? this.key(p) : undefined;
    return k !== undefined && (this.byDevice.get(deviceId) ?? []).includes(k);
  }

  remember(deviceId: string, p: Qos1): void {
    const k = this.key(p);
    if (k === undefined) return;
    const list = this.byDevice.get(deviceId) ?? [];
    list.push(k);
    if (list.length > KEEP) list.shift();
    this.byDevice.set(deviceId, list);
  }

  /** the device is gone for good (its record closed): nothing kept for it */
  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }
}
