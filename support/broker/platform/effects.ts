// What one upstream line does to the device it acts on: the PlatformEffects a catalogue entry
// calls, each change written to the record with the line that caused it.
import type {
  Measurement,
  OperationSelector,
  OperationStatus,
  PlatformEffects,
} from '../../smartrest/catalogue/index.ts';
import { OPERATION_TEMPLATES, UPSTREAM_TEMPLATES } from '../../smartrest/catalogue/index.ts';
import type { Device } from './inventory.ts';
import type { Operation } from './operations.ts';
import type { Cause, Platform } from './platform.ts';

/** a line the platform refuses: answered on s/e with the code, recorded under the rule */
export class LineRefused extends Error {
  constructor(
    readonly code: 40 | 41 | 42 | 45 | 50,
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

export const PLATFORM_VERSION = '1018.0.0-c8y-hil';
const SUPPORTED = [...UPSTREAM_TEMPLATES.map((t) => t.id), ...OPERATION_TEMPLATES.map((t) => t.id)].sort(
  (a, b) => a - b,
);
const FINISHED: readonly OperationStatus[] = ['SUCCESSFUL', 'FAILED'];
const FROM: Record<OperationStatus, OperationStatus[]> = {
  PENDING: [],
  EXECUTING: ['PENDING'],
  FAILED: ['EXECUTING', 'PENDING'],
  SUCCESSFUL: ['EXECUTING', 'PENDING'],
};

export class LineEffects implements PlatformEffects {
  constructor(
    private readonly platform: Platform,
    private readonly d: Device,
    private readonly cause: Cause,
    readonly justCreated: boolean,
  ) {}

  get deviceId(): string {
    return this.d.externalId;
  }
  private get inventory() {
    return this.platform.inventory;
  }
  private note(change: string, fields: Record<string, unknown>, deviceId = this.d.externalId): void {
    this.platform.note(change, deviceId, this.cause, fields);
  }

  time(value?: string): string {
    return value ?? new Date().toISOString();
  }

  refuse(code: 41 | 45, rule: string, text: string): never {
    throw new LineRefused(code, rule, text);
  }

  // ---- inventory -----------------------------------------------------------------------------

  setFragment(fragment: string, value: unknown, how: { append?: boolean; ifAbsent?: boolean } = {}): void {
    const had = this.d.fragments[fragment];
    if (how.ifAbsent && had !== undefined) {
      this.note('fragment-kept', {
        fragment,
        value: had,
        offered: value,
        reason: 'the device already has it; the platform sets it only once',
      });
      return;
    }
    this.d.fragments[fragment] = how.append && Array.isArray(had) && Array.isArray(value) ? [...had, ...value] : value;
    this.note('fragment-set', { fragment, value: this.d.fragments[fragment] });
  }

  removeFragments(fragments: readonly string[]): void {
    for (const f of fragments) delete this.d.fragments[f];
    this.note('fragments-removed', { fragments });
  }

  removeListItems(fragment: string, items: readonly Record<string, unknown>[]): void {
    const list = Array.isArray(this.d.fragments[fragment])
      ? (this.d.fragments[fragment] as Record<string, unknown>[])
      : [];
    const matches = (x: Record<string, unknown>, item: Record<string, unknown>) =>
      Object.entries(item).every(([k, v]) => x[k] === v);
    this.d.fragments[fragment] = list.filter((x) => !items.some((item) => matches(x, item)));
    this.note('fragment-set', { fragment, value: this.d.fragments[fragment], removed: items });
  }

  createChild(childId: string, name: string, type: string, isDevice: boolean): void {
    if (this.inventory.has(childId)) this.refuse(41, 'platform.device-exists', `Device already existing: '${childId}'`);
    const child = this.inventory.create(childId, name, type, this.d.externalId);
    if (!isDevice) delete child.fragments.c8y_IsDevice;
    this.note('child-created', { parent: this.d.externalId, name, type, by: 'template 101' }, childId);
  }

  createService(externalId: string, serviceType: string, name: string, status: string): void {
    const existing = this.inventory.get(externalId);
    if (existing) {
      // agents send 102 again to report a new status (thin-edge does)
      if (existing.kind !== 'service' || existing.parent !== this.d.externalId)
        this.refuse(
          41,
          'platform.device-exists',
          `'${externalId}' exists and is not a service of '${this.d.externalId}'`,
        );
      existing.fragments.status = status;
      this.note('service-status', { status }, externalId);
      return;
    }
    const s = this.inventory.create(externalId, name, 'c8y_Service', this.d.externalId, 'service');
    Object.assign(s.fragments, { serviceType, status });
    this.note('service-created', { parent: this.d.externalId, name, serviceType, status }, externalId);
  }

  setServiceStatus(status: string): void {
    if (this.d.kind !== 'service')
      this.refuse(
        41,
        'platform.not-processed',
        `'${this.d.externalId}' is not a service: send 104 on s/us/<service external id>`,
      );
    this.d.fragments.status = status;
    this.note('service-status', { status });
  }

  // ---- data ----------------------------------------------------------------------------------

  measure(ms: Measurement[]): void {
    for (const m of ms) this.d.measurements[`${m.fragment}.${m.series}`] = m;
    this.d.measurementCount += ms.length;
    this.note('measurement', { measurements: ms });
  }

  raiseAlarm(type: string, severity: string, text: string, time: string): void {
    const existing = this.d.alarms[type];
    if (existing) Object.assign(existing, { severity, text, time, count: existing.count + 1 });
    else this.d.alarms[type] = { type, severity, text, time, count: 1, status: 'ACTIVE', fragments: {} };
    this.note('alarm-raised', { alarm: this.d.alarms[type] });
  }

  changeAlarmSeverity(type: string, severity: string): void {
    const a = this.d.alarms[type];
    if (!a) this.refuse(41, 'platform.not-processed', `no active alarm of type '${type}' on '${this.d.externalId}'`);
    a.severity = severity;
    this.note('alarm-severity-changed', { alarm: a });
  }

  clearAlarm(type: string): void {
    const a = this.d.alarms[type];
    delete this.d.alarms[type];
    this.note('alarm-cleared', { type, wasActive: !!a });
  }

  removeAlarmFragments(type: string, fragments: readonly string[]): void {
    const a = this.d.alarms[type];
    if (!a) this.refuse(41, 'platform.not-processed', `no active alarm of type '${type}' on '${this.d.externalId}'`);
    for (const f of fragments) delete a.fragments[f];
    this.note('alarm-fragments-removed', { type, fragments });
  }

  createEvent(type: string, text: string, time: string, fragments?: Record<string, unknown>): void {
    const e = { type, text, time, ...(fragments ? { fragments } : {}) };
    this.d.events.push(e);
    this.note('event', { event: e });
  }

  removeEventFragments(type: string, fragments: readonly string[]): void {
    const e = this.d.events.filter((x) => x.type === type).at(-1);
    if (!e) this.refuse(41, 'platform.not-processed', `no event of type '${type}' on '${this.d.externalId}'`);
    for (const f of fragments) delete e.fragments?.[f];
    this.note('event-fragments-removed', { type, fragments });
  }

  // ---- answers -------------------------------------------------------------------------------

  answer(fields: readonly (string | number)[]): void {
    this.note('answered', { line: fields.map(String) });
    this.platform.answer(this.inventory.rootOf(this.d.externalId), fields);
  }

  children(): readonly string[] {
    return this.d.children;
  }
  managedObjectId(): string {
    return this.d.id;
  }
  platformVersion(): string {
    return PLATFORM_VERSION;
  }
  supportedTemplates(): readonly number[] {
    return SUPPORTED;
  }

  // ---- operations ----------------------------------------------------------------------------

  resendPending(): void {
    void this.platform.resendPending(this.inventory.rootOf(this.d.externalId), 'template 500', this.cause);
  }

  setOperationStatus(
    which: OperationSelector,
    to: OperationStatus,
    extra: { reason?: string; result?: string[] } = {},
  ): void {
    if ('all' in which) {
      const executing = this.platform.operations.inStatus([this.d.externalId], 'EXECUTING');
      this.note('operations-failed', { operations: executing.map((o) => o.id), reason: extra.reason ?? '' });
      for (const op of executing) this.move(op, to, extra);
      return;
    }
    this.move('id' in which ? this.byId(which.id, to) : this.byFragment(which.fragment, to), to, extra);
  }

  private move(op: Operation, to: OperationStatus, extra: { reason?: string; result?: string[] }): void {
    const before = op.status;
    this.platform.operations.move(op, to, `device ${this.d.externalId}`, extra);
    if (to === 'SUCCESSFUL') this.applyResult(op, extra.result ?? []);
    this.note(
      'operation-status',
      { operationId: op.id, fragment: op.fragment, from: before, to, ...extra },
      op.deviceId,
    );
  }

  /** what 503/506's further parameters do, by operation (SPEC 6) */
  private applyResult(op: Operation, result: string[]): void {
    const target = this.inventory.get(op.deviceId)!;
    const value = op.value as Record<string, unknown>;
    if (op.fragment === 'c8y_Command' && result[0] !== undefined) value.result = result[0];
    if (op.fragment === 'c8y_LogfileRequest' && result[0] !== undefined) value.file = result[0];
    if (op.fragment === 'c8y_RelayArray' && result.length > 0) target.fragments.c8y_RelayArray = result;
    if (op.fragment === 'c8y_CommunicationMode') target.fragments.c8y_CommunicationMode = op.value;
    if (op.fragment === 'c8y_DownloadConfigFile')
      target.fragments.c8y_ConfigurationDump = { id: op.id, time: result[0] || new Date().toISOString() };
  }

  private byFragment(fragment: string, to: OperationStatus): Operation {
    for (const s of FROM[to]) {
      const op = this.platform.operations.oldest(this.d.externalId, fragment, s);
      if (op) return op;
    }
    const root = this.inventory.rootOf(this.d.externalId);
    const elsewhere = this.platform.operations
      .inStatus(this.inventory.subtree(root), 'PENDING', fragment)
      .concat(this.platform.operations.inStatus(this.inventory.subtree(root), 'EXECUTING', fragment))
      .find((o) => o.deviceId !== this.d.externalId);
    if (elsewhere) {
      this.refuse(
        41,
        'operations.status-topic',
        `the open ${fragment} operation ${elsewhere.id} is for '${elsewhere.deviceId}', but the status came on the topic of '${this.d.externalId}'; send it on s/us/<path to ${elsewhere.deviceId}>`,
      );
    }
    const finished = this.platform.operations
      .forDevice(this.d.externalId)
      .filter((o) => o.fragment === fragment && FINISHED.includes(o.status));
    if (finished.length > 0) {
      this.refuse(
        41,
        'operations.answered-twice',
        `every ${fragment} operation of '${this.d.externalId}' has finished (${finished.map((o) => `${o.id} ${o.status}`).join(', ')}); this status answers one again`,
      );
    }
    this.refuse(
      41,
      'operations.no-matching',
      `no ${FROM[to].join(' or ')} operation with fragment '${fragment}' for '${this.d.externalId}'`,
    );
  }

  private byId(id: string, to: OperationStatus): Operation {
    const op = this.platform.operations.get(id);
    if (!op || !this.inventory.subtree(this.inventory.rootOf(this.d.externalId)).includes(op.deviceId)) {
      this.refuse(
        41,
        'operations.no-matching',
        `no operation ${id} for '${this.d.externalId}' or a device below its root`,
      );
    }
    if (FINISHED.includes(op.status))
      this.refuse(
        41,
        'operations.answered-twice',
        `operation ${id} is ${op.status} already; it cannot change to ${to}`,
      );
    if (!FROM[to].includes(op.status))
      this.refuse(41, 'operations.no-matching', `operation ${id} is ${op.status}; it cannot change to ${to}`);
    return op;
  }
}
