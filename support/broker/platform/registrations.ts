// Device bootstrap and tokens (SPEC 10). A device logged in as management/devicebootstrap polls
// with empty messages on s/ucr; nothing is answered until its registration is accepted (through the
// API, or at once with autoAcceptRegistrations), then 70,<tenant>,device_<id>,<password> goes to
// s/dcr and those credentials log in from then on. A certificate device asks for a JWT on s/uat.
import { createHmac, randomBytes } from 'node:crypto';
import type { UpstreamMessage } from '../broker.ts';
import { writeLine } from '../../smartrest/codec.ts';
import { LineRefused } from './effects.ts';
import { PlatformError } from './operations.ts';
import type { Cause, Platform } from './platform.ts';

export type RegistrationStatus = 'WAITING_FOR_CONNECTION' | 'PENDING_ACCEPTANCE' | 'ACCEPTED' | 'CREDENTIALS_ISSUED';

export interface Registration {
  deviceId: string;
  status: RegistrationStatus;
  polls: number;
  tenant?: string;
  user?: string;
  issued?: string;
}

const TOKEN_LIFETIME_S = 3600;
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class Registrations {
  private readonly byDevice = new Map<string, Registration>();
  private readonly secret = randomBytes(32);

  constructor(private readonly platform: Platform) {}

  list(): Registration[] {
    return [...this.byDevice.values()].map((r) => ({ ...r }));
  }
  get(deviceId: string): Registration | undefined {
    return this.byDevice.get(deviceId);
  }

  /** register a device identifier ahead of its first poll (as an operator does in Device registration) */
  register(deviceId: string): Registration {
    const r = this.byDevice.get(deviceId) ?? { deviceId, status: 'WAITING_FOR_CONNECTION', polls: 0 };
    this.byDevice.set(deviceId, r);
    return r;
  }

  accept(deviceId: string): Registration {
    const r = this.byDevice.get(deviceId);
    if (!r) throw new PlatformError(404, `no registration for '${deviceId}': the device has not polled s/ucr yet`);
    if (r.status === 'WAITING_FOR_CONNECTION' || r.status === 'PENDING_ACCEPTANCE') r.status = 'ACCEPTED';
    this.platform.note('registration-accepted', deviceId, undefined, { status: r.status });
    return { ...r };
  }

  /** an empty publish on s/ucr: the device is ready for its credentials */
  poll(m: UpstreamMessage): void {
    const cause: Cause = { conn: m.conn, publish: m.publishIndex, line: 0, topic: m.topic };
    const r = this.register(m.deviceId);
    r.polls++;
    if (r.status === 'WAITING_FOR_CONNECTION')
      r.status = this.platform.broker.options.autoAcceptRegistrations ? 'ACCEPTED' : 'PENDING_ACCEPTANCE';
    if (r.status === 'PENDING_ACCEPTANCE') {
      this.platform.note('registration-pending', m.deviceId, cause, {
        polls: r.polls,
        reason: 'nothing is answered until the registration is accepted',
      });
      return;
    }
    // an accepted device gets credentials on each poll until it logs in with them
    const tenant = this.platform.broker.options.deviceTenant;
    const user = `device_${m.deviceId}`;
    const password = randomBytes(12).toString('base64url');
    this.platform.broker.addCredential({ tenant, user, password });
    Object.assign(r, { status: 'CREDENTIALS_ISSUED', tenant, user, issued: new Date().toISOString() });
    this.platform.note('credentials-issued', m.deviceId, cause, { tenant, user });
    void this.platform.broker.send(m.deviceId, 's/dcr', writeLine([70, tenant, user, password]), { quiet: true });
  }

  /** an empty publish on s/uat: a JWT on s/dat for a certificate device, 41 on s/e for any other */
  token(m: UpstreamMessage): void {
    const cause: Cause = { conn: m.conn, publish: m.publishIndex, line: 0, topic: m.topic };
    if (m.auth !== 'certificate') {
      this.platform.refuse(
        m,
        cause,
        new LineRefused(
          41,
          'jwt.password-device',
          'Cannot publish token for device that do not use certificate authentication',
        ),
        '',
        '',
      );
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const token = this.sign({ sub: `device_${m.deviceId}`, ten: m.tenant, iat: now, exp: now + TOKEN_LIFETIME_S });
    this.platform.note('token-issued', m.deviceId, cause, {
      expires: new Date((now + TOKEN_LIFETIME_S) * 1000).toISOString(),
    });
    void this.platform.broker.send(m.deviceId, 's/dat', writeLine([71, token]), { quiet: true });
  }

  /** an HS256 JWT signed with this broker's secret (the lab's platform is the only party that reads it) */
  sign(claims: Record<string, unknown>): string {
    const body = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${createHmac('sha256', this.secret).update(body).digest('base64url')}`;
  }
}
