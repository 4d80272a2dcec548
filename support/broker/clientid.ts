// ClientId = [connectionType:]deviceIdentifier[:defaultTemplateId]  (SPEC section 2)

export interface ParsedClientId {
  connectionType: string;
  deviceId: string;
  defaultTemplateId?: string;
}

export type ClientIdVerdict = { ok: true; value: ParsedClientId } | { ok: false; reason: string };

export function parseClientId(clientId: string): ClientIdVerdict {
  if (clientId.length === 0) return { ok: false, reason: 'the ClientId is empty' };
  const parts = clientId.split(':');
  if (parts.length > 3) return { ok: false, reason: `the ClientId has ${parts.length} ':'-separated parts; at most 3 are allowed (connectionType:deviceIdentifier:defaultTemplateId)` };
  if (parts.length === 1) return { ok: true, value: { connectionType: 'd', deviceId: parts[0]! } };
  const [type, deviceId, template] = parts as [string, string, string | undefined];
  if (type !== 'd') return { ok: false, reason: `the connection type is '${type}'; only 'd' (device) is accepted` };
  if (deviceId.length === 0) return { ok: false, reason: 'the device identifier is empty' };
  if (template !== undefined && template.length === 0) return { ok: true, value: { connectionType: 'd', deviceId } };
  return { ok: true, value: { connectionType: 'd', deviceId, ...(template !== undefined ? { defaultTemplateId: template } : {}) } };
}
