// Operations: created by the harness for a device or any child, PENDING → EXECUTING →
// SUCCESSFUL or FAILED through the device's 501–506 messages.
import { downstreamByFragment, downstreamById, type DownstreamTemplate } from '../../smartrest/templates.ts';

export type OperationStatus = 'PENDING' | 'EXECUTING' | 'SUCCESSFUL' | 'FAILED';

export interface Operation {
  id: string;
  deviceId: string;
  fragment: string;
  templateId: number;
  params: string[];
  status: OperationStatus;
  failureReason?: string;
  result?: string[];
  history: { status: OperationStatus; time: string; by: string }[];
  created: string;
}

/** a request the platform refuses: `status` is the HTTP status the API answers with */
export class PlatformError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface OperationRequest { device: string; fragment?: string; template?: number; params?: unknown[] }

export function resolveTemplate(req: OperationRequest): DownstreamTemplate {
  if (req.fragment === undefined && req.template === undefined) throw new PlatformError(400, 'give "fragment" (e.g. "c8y_Command") or "template" (e.g. 511)');
  const byId = req.template !== undefined ? downstreamById(Number(req.template)) : undefined;
  const byFragment = req.fragment !== undefined ? downstreamByFragment(req.fragment) : undefined;
  if (req.template !== undefined && !byId) throw new PlatformError(400, `no downstream static template ${req.template}; known: 510, 511, 513, 515, 516, 518, 520, 521, 522, 523, 528`);
  if (req.fragment !== undefined && !byFragment) throw new PlatformError(400, `no downstream static template for the fragment '${req.fragment}'`);
  if (byId && byFragment && byId !== byFragment) throw new PlatformError(400, `template ${byId.id} is for ${byId.fragment}, not ${byFragment.fragment}`);
  return (byId ?? byFragment)!;
}

export function checkParams(t: DownstreamTemplate, params: unknown[]): string[] {
  if (!params.every((p) => typeof p === 'string' || typeof p === 'number')) throw new PlatformError(400, '"params" must be a list of strings');
  const ps = params.map(String);
  const size = t.params.length;
  const ok = t.repeats ? ps.length >= size && ps.length % size === 0 : ps.length === size;
  if (!ok) {
    const want = t.repeats ? `groups of ${size} (${t.params.join(', ')})` : size === 0 ? 'no parameters' : `${size} (${t.params.join(', ')})`;
    throw new PlatformError(400, `${t.fragment} (${t.id}) takes ${want}; got ${ps.length}`);
  }
  if (t.values && !t.values.includes(ps[0]!)) throw new PlatformError(400, `${t.fragment} takes ${t.values.join(' or ')}, not '${ps[0]}'`);
  return ps;
}

export class OperationStore {
  private readonly ops: Operation[] = [];
  private nextId = 1;

  create(deviceId: string, t: DownstreamTemplate, params: string[]): Operation {
    const now = new Date().toISOString();
    const op: Operation = { id: String(this.nextId++), deviceId, fragment: t.fragment, templateId: t.id, params, status: 'PENDING', history: [{ status: 'PENDING', time: now, by: 'harness' }], created: now };
    this.ops.push(op);
    return op;
  }

  get(id: string): Operation | undefined { return this.ops.find((o) => o.id === id); }
  forDevice(deviceId?: string): Operation[] { return deviceId === undefined ? [...this.ops] : this.ops.filter((o) => o.deviceId === deviceId); }
  pendingFor(devices: readonly string[]): Operation[] { return this.ops.filter((o) => o.status === 'PENDING' && devices.includes(o.deviceId)); }

  /** the oldest operation of a device with this fragment in this status */
  oldest(deviceId: string, fragment: string, status: OperationStatus): Operation | undefined {
    return this.ops.find((o) => o.deviceId === deviceId && o.fragment === fragment && o.status === status);
  }

  move(op: Operation, status: OperationStatus, by: string, extra: { reason?: string; result?: string[] } = {}): void {
    op.status = status;
    if (extra.reason !== undefined) op.failureReason = extra.reason;
    if (extra.result !== undefined && extra.result.length > 0) op.result = extra.result;
    op.history.push({ status, time: new Date().toISOString(), by });
  }
}
