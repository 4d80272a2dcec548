// Login as `tenant/user` with a password (SPEC section 2), and the `tenant/user:password` flag form.

export interface Credential { tenant: string; user: string; password: string }

export function parseCredential(text: string): Credential {
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  if (slash <= 0 || colon < 0 || colon < slash + 2) {
    throw new Error(`credentials '${text.replace(/:.*/, ':…')}' are not of the form tenant/user:password`);
  }
  return { tenant: text.slice(0, slash), user: text.slice(slash + 1, colon), password: text.slice(colon + 1) };
}

export type LoginVerdict =
  | { ok: true; tenant: string; user: string }
  | { ok: false; returnCode: 4 | 5; reason: string };

export function checkLogin(creds: readonly Credential[], username: string | undefined, password: Buffer | undefined): LoginVerdict {
  if (username === undefined || username.length === 0) return { ok: false, returnCode: 5, reason: 'no username was given' };
  const slash = username.indexOf('/');
  if (slash <= 0 || slash === username.length - 1) {
    return { ok: false, returnCode: 5, reason: `the username '${username}' is not of the form tenant/user` };
  }
  const tenant = username.slice(0, slash);
  const user = username.slice(slash + 1);
  if (password === undefined) return { ok: false, returnCode: 5, reason: 'no password was given' };
  const pw = password.toString('utf8');
  const match = creds.find((c) => c.tenant === tenant && c.user === user && c.password === pw);
  if (!match) return { ok: false, returnCode: 4, reason: `bad username or password for '${username}'` };
  return { ok: true, tenant, user };
}
