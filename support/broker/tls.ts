// TLS material made at run time: a throwaway local CA, a server certificate for localhost,
// 127.0.0.1 and ::1 so clients can verify the broker, and device (client) certificates signed by
// a CA for certificate logins (SPEC 10). Nothing private is ever committed.
import { isIP } from 'node:net';
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

/** a CA that can sign certificates: its certificate and key, in PEM */
export interface CertificateAuthority {
  cert: string;
  key: string;
}

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

const validity = (days: number) => ({
  notBefore: new Date(Date.now() - 60_000),
  notAfter: new Date(Date.now() + days * 24 * 3600_000),
});
const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
const newKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const exportKey = async (k: CryptoKey) => pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', k));

/** a new self-signed CA */
export async function createCa(name = 'c8y-hil local test CA', days = 7): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    ...validity(days),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

/** a certificate signed by the CA: a server's for localhost, or a device's with CN = its identifier */
export async function issueCertificate(
  ca: CertificateAuthority,
  use: 'server' | 'client',
  commonName: string,
  days = 7,
  names: readonly string[] = [],
): Promise<{ cert: string; key: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  let caKey: CryptoKey;
  try {
    caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
  } catch (err) {
    throw new Error(`the CA key is not an ECDSA P-256 PKCS#8 private key in PEM (${(err as Error).message})`);
  }
  const keys = await newKeys();
  const server = use === 'server';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}`,
    issuer: caCert.subject,
    ...validity(days),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([
        server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(server
        ? [
            new x509.SubjectAlternativeNameExtension(serverNames(names)),
          ]
        : []),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

/** loopback, and the lab's own addresses and host names, as subject alternative names */
function serverNames(extra: readonly string[]): { type: 'dns' | 'ip'; value: string }[] {
  const all = [...new Set(['localhost', '127.0.0.1', '::1', ...extra.filter((n) => n !== '0.0.0.0' && n !== '::')])];
  return all.map((value) => ({ type: isIP(value) ? 'ip' : 'dns', value }));
}

let cachedCa: Promise<CertificateAuthority> | undefined;
const cachedServer = new Map<string, Promise<TlsMaterial>>();

/** One local CA per process: it signs the server certificate and, for tests, device certificates. */
export function localCa(): Promise<CertificateAuthority> {
  cachedCa ??= createCa();
  return cachedCa;
}

/** One server certificate per process and set of names: generating it takes a few ms, reusing it none. */
export function localTlsMaterial(names: readonly string[] = []): Promise<TlsMaterial> {
  const key = [...names].sort().join(',');
  let material = cachedServer.get(key);
  if (!material) {
    material = (async () => {
      const ca = await localCa();
      const { cert, key } = await issueCertificate(ca, 'server', 'localhost', 7, names);
      return { key, cert, ca: ca.cert };
    })();
    cachedServer.set(key, material);
  }
  return material;
}
