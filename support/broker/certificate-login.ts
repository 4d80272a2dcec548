// Login with a client certificate on the TLS port (SPEC 10): the chain must lead to a CA the tenant
// trusts and the certificate's CN must be the ClientId's device identifier.
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

export type LoginMethod = 'password' | 'certificate' | 'bootstrap';

/** the username of a device asking for its credentials (SPEC 10) */
export const BOOTSTRAP_USER = 'management/devicebootstrap';

export type CertificateVerdict =
  { present: false } | { present: true; ok: true; commonName: string } | { present: true; ok: false; reason: string };

/** What the connection's client certificate says about the device, if it sent one. */
export function certificateLogin(stream: Duplex, deviceId: string): CertificateVerdict {
  if (!(stream instanceof TLSSocket)) return { present: false };
  const peer = stream.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0 || !peer.subject) return { present: false };
  const cn = Array.isArray(peer.subject.CN) ? peer.subject.CN[0] : peer.subject.CN;
  if (!stream.authorized) {
    return {
      present: true,
      ok: false,
      reason: `the client certificate (CN=${cn ?? '?'}) does not chain to a CA the tenant trusts: ${String(stream.authorizationError)}`,
    };
  }
  if (cn !== deviceId) {
    return {
      present: true,
      ok: false,
      reason: `the client certificate's CN is '${cn ?? ''}' but the ClientId's device identifier is '${deviceId}'; they must be equal`,
    };
  }
  return { present: true, ok: true, commonName: cn };
}
