// Operations: created by the harness for a device or any child, PENDING → EXECUTING →
// SUCCESSFUL or FAILED through the device's status messages. An operation is its JSON (one
// fragment); a static template, when one fits, is how it reaches the device on s/ds.
import {
  DOWNSTREAM,
  OPERATION_TEMPLATES,
  fragmentJson,
  paramProblem,
  paramsFromJson,
  templatesForFragment,
  type DownstreamTemplate,
  type OperationStatus,
} from '../../smartrest/catalogue/index.ts';

export type { OperationStatus };

export interface Operation {
  id: string;
  deviceId: string;
  fragment: string;
  /** the operation's fragment value, as the platform keeps it */
  value: unknown;
  /** the static template that carries it on s/ds, if one fits */
  templateId?: number;
  params: string[];
  status: OperationStatus;
  failureReason?: string;
  result?: string[];
  history: { status: OperationStatus; time: string; by: string }[];
  created: string;
}

/** a request the platform refuses: `status` is the HTTP status the API answers with */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** by template id or fragment with line parameters, or as JSON: {"c8y_Command": {"text": "ls"}} */
export interface OperationRequest {
  device: string;
  fragment?: string;
  template?: number;
  params?: unknown[];
  operation?: Record<string, unknown>;
}

export interface ResolvedOperation {
  fragment: string;
  value: unknown;
  template?: DownstreamTemplate;
  params: string[];
}

const KNOWN = OPERATION_TEMPLATES.map((t) => t.id).join(', ');

function textParams(params: unknown[]): string[] {
  if (!params.every((p) => typeof p === 'string' || typeof p === 'number'))
    throw new PlatformError(400, '"params" must be a list of strings');
  return params.map(String);
}

function fromLine(req: OperationRequest): ResolvedOperation {
  const params = textParams(req.params ?? []);
  let candidates: DownstreamTemplate[];
  if (req.template !== undefined) {
    const t = DOWNSTREAM.get(Number(req.template));
    if (!t?.fragment)
      throw new PlatformError(400, `no downstream static template ${req.template} for operations; known: ${KNOWN}`);
    if (req.fragment !== undefined && req.fragment !== t.fragment)
      throw new PlatformError(400, `template ${t.id} is for ${t.fragment}, not ${req.fragment}`);
    candidates = [t];
  } else {
    candidates = templatesForFragment(req.fragment!);
    if (candidates.length === 0) {
      throw new PlatformError(
        400,
        `no static template carries the fragment '${req.fragment}'; create it as JSON ({"operation": {"${req.fragment}": {…}}}) for custom templates`,
      );
    }
  }
  const fits = candidates.find((t) => paramProblem(t, params) === undefined);
  if (!fits)
    throw new PlatformError(
      400,
      candidates.map((t) => `${t.fragment} (${t.id}) ${paramProblem(t, params)}`).join('; or '),
    );
  return { fragment: fits.fragment!, value: fragmentJson(fits, params), template: fits, params };
}

function fromJson(operation: Record<string, unknown>): ResolvedOperation {
  const keys = Object.keys(operation).filter((k) => k !== 'description');
  if (keys.length !== 1)
    throw new PlatformError(
      400,
      `"operation" must hold exactly one operation fragment, e.g. {"c8y_Command": {"text": "ls"}}; got ${keys.length}`,
    );
  const fragment = keys[0]!;
  const value = operation[fragment];
  const candidates = templatesForFragment(fragment);
  const preferred = candidates.find((t) => t.prefersJson?.(value)) ?? candidates.find((t) => !t.prefersJson);
  for (const t of preferred ? [preferred, ...candidates.filter((c) => c !== preferred)] : candidates) {
    const params = paramsFromJson(t, value);
    if (params && paramProblem(t, params) === undefined) return { fragment, value, template: t, params };
  }
  return { fragment, value, params: [] }; // no static template: only custom response templates carry it
}

/** what the request asks for: the fragment, its JSON, and the static template with its line parameters */
export function resolveOperation(req: OperationRequest): ResolvedOperation {
  if (req.operation !== undefined) {
    if (req.operation === null || typeof req.operation !== 'object' || Array.isArray(req.operation))
      throw new PlatformError(400, '"operation" must be a JSON object');
    return fromJson(req.operation);
  }
  if (req.fragment === undefined && req.template === undefined) {
    throw new PlatformError(
      400,
      'give "fragment" (e.g. "c8y_Command"), "template" (e.g. 511) or "operation" (e.g. {"c8y_Command": {"text": "ls"}})',
    );
  }
  return fromLine(req);
}

export class OperationStore {
  private readonly ops: Operation[] = [];
  private nextId = 1;
  /** where operation ids come from when several processes share the operations */
  idSource: (() => number) | undefined;
  /** told of each operation created or moved here, so shared operations can pass it on */
  onChange: ((op: Operation) => void) | undefined;

  create(deviceId: string, r: ResolvedOperation): Operation {
    const now = new Date().toISOString();
    const op: Operation = {
      id: String(this.idSource ? this.idSource() : this.nextId++),
      deviceId,
      fragment: r.fragment,
      value: r.value,
      params: r.params,
      ...(r.template ? { templateId: r.template.id } : {}),
      status: 'PENDING',
      history: [{ status: 'PENDING', time: now, by: 'harness' }],
      created: now,
    };
    this.ops.push(op);
    this.onChange?.(op);
    return op;
  }

  /** an operation as another process of the cluster has it now */
  put(op: Operation): void {
    const i = this.ops.findIndex((o) => o.id === op.id);
    if (i < 0) this.ops.push(op);
    else this.ops[i] = op;
  }

  get(id: string): Operation | undefined {
    return this.ops.find((o) => o.id === id);
  }
  forDevice(deviceId?: string): Operation[] {
    return deviceId === undefined ? [...this.ops] : this.ops.filter((o) => o.deviceId === deviceId);
  }
  pendingFor(devices: readonly string[]): Operation[] {
    return this.ops.filter((o) => o.status === 'PENDING' && devices.includes(o.deviceId));
  }

  /** the oldest operation of a device with this fragment in this status */
  oldest(deviceId: string, fragment: string, status: OperationStatus): Operation | undefined {
    return this.ops.find((o) => o.deviceId === deviceId && o.fragment === fragment && o.status === status);
  }

  /** every operation of these devices in this status, with this fragment if one is given */
  inStatus(devices: readonly string[], status: OperationStatus, fragment?: string): Operation[] {
    return this.ops.filter(
      (o) => devices.includes(o.deviceId) && o.status === status && (fragment === undefined || o.fragment === fragment),
    );
  }

  move(op: Operation, status: OperationStatus, by: string, extra: { reason?: string; result?: string[] } = {}): void {
    op.status = status;
    if (extra.reason !== undefined) op.failureReason = extra.reason;
    if (extra.result !== undefined && extra.result.length > 0) op.result = extra.result;
    op.history.push({ status, time: new Date().toISOString(), by });
    this.onChange?.(op);
  }

  /** the operation as JSON, as custom response templates and the API see it */
  json(op: Operation, device: { id: string; externalId: string }): Record<string, unknown> {
    return {
      id: op.id,
      deviceId: device.id,
      status: op.status,
      creationTime: op.created,
      [op.fragment]: op.value,
      ...(op.failureReason !== undefined ? { failureReason: op.failureReason } : {}),
      externalSource: { externalId: device.externalId, type: 'c8y_Serial' },
    };
  }
}
