// `c8y-hil cert DEVICE_ID`: a device certificate signed by the lab's CA, so a board can be
// provisioned for certificate login (SPEC 10). The CA is made on first use and kept in its folder;
// the broker trusts it with --trust-ca <ca-dir>/ca.pem.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCa, issueCertificate, type CertificateAuthority } from '../broker/tls.ts';
import { optionProblem, UsageError } from './usage-error.ts';

export const CERT_HELP = `Usage: c8y-hil cert DEVICE_ID [--ca-dir DIR] [--out DIR] [--days N]

Issues a client certificate with CN=DEVICE_ID, signed by the lab CA in --ca-dir (default
.c8y-hil/ca; made there on first use as ca.pem and ca.key). Writes DEVICE_ID.pem and DEVICE_ID.key
to --out (default: the CA folder) and prints their paths as one JSON line. Start the broker with
--trust-ca DIR/ca.pem so that the certificate logs in on the TLS port.
`;

function loadOrCreateCa(dir: string, days: number): Promise<CertificateAuthority> | CertificateAuthority {
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  if (existsSync(cert) !== existsSync(key))
    throw new UsageError(`${dir} holds only one of ca.pem and ca.key; both or neither`);
  if (existsSync(cert)) return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  return createCa('c8y-hil lab CA', days).then((ca) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(cert, ca.cert);
    writeFileSync(key, ca.key, { mode: 0o600 });
    return ca;
  });
}

export async function certCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'ca-dir': { type: 'string' },
        out: { type: 'string' },
        days: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${optionProblem(err as Error)} (see c8y-hil cert --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(CERT_HELP);
    return 0;
  }
  const [deviceId, ...extra] = parsed.positionals;
  if (!deviceId || extra.length > 0) throw new UsageError('give exactly one DEVICE_ID (see c8y-hil cert --help)');
  if (/[:\s/]/.test(deviceId))
    throw new UsageError(
      `DEVICE_ID '${deviceId}' may not hold ':', '/' or whitespace: it is the certificate's CN and the ClientId's device identifier`,
    );
  const days = Number(parsed.values.days ?? 365);
  if (!Number.isInteger(days) || days < 1)
    throw new UsageError(`--days must be a whole number of days, not '${parsed.values.days}'`);
  const caDir = resolve(parsed.values['ca-dir'] ?? join('.c8y-hil', 'ca'));
  const out = resolve(parsed.values.out ?? caDir);
  const ca = await loadOrCreateCa(caDir, days);
  let issued;
  try {
    issued = await issueCertificate(ca, 'client', deviceId, days);
  } catch (err) {
    throw new UsageError(`${caDir}/ca.key: ${(err as Error).message}`);
  }
  mkdirSync(out, { recursive: true });
  const certFile = join(out, `${deviceId}.pem`);
  const keyFile = join(out, `${deviceId}.key`);
  writeFileSync(certFile, issued.cert);
  writeFileSync(keyFile, issued.key, { mode: 0o600 });
  process.stdout.write(
    JSON.stringify({ device: deviceId, cert: certFile, key: keyFile, ca: join(caDir, 'ca.pem') }) + '\n',
  );
  return 0;
}
