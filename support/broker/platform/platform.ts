// The platform model: what each upstream SmartREST line does on Cumulocity, operations sent to
// devices, and the s/e answers. Every change goes into the record, linked to its PUBLISH.
import type { C8yBroker, UpstreamMessage } from '../broker.ts';
import { parsePayload, writeLine, type Finding } from '../../smartrest/codec.ts';
import { readUpstreamLine, type LineError, type ReadLine } from '../../smartrest/upstream.ts';
import { ALARM_SEVERITY } from '../../smartrest/templates.ts';
import { Inventory, type Device, type Measurement } from './inventory.ts';
import { checkParams, OperationStore, PlatformError, resolveTemplate, type Operation, type OperationRequest, type OperationStatus } from './operations.ts';

/** where a line came from: the connection, the nth PUBLISH on it, the line within the payload */
interface Cause { conn: string; publish?: number; line: number; topic: string }

/** a line the platform refuses: answered on s/e */
class LineRefused extends Error {
  constructor(readonly code: LineError['code'], message: string) { super(message); }
}

export class Platform {
  readonly inventory = new Inventory();
  readonly operations = new OperationStore();

  constructor(readonly broker: C8yBroker) {
    broker.onUpstream((m) => this.handle(m));
    broker.onSubscribe((deviceId, topics) => {
      if (broker.options.pushPendingOnSubscribe && topics.includes('s/ds')) void this.resendPending(deviceId, 'subscribe');
    });
  }

  private get record() { return this.broker.record; }

  private note(change: string, deviceId: string, cause: Cause | undefined, fields: Record<string, unknown>): void {
    this.record.add('platform', { change, deviceId, rootId: this.inventory.rootOf(deviceId), ...fields, ...(cause ? { cause } : {}) });
  }

  // ---- upstream ------------------------------------------------------------------------------

  handle(m: UpstreamMessage): void {
    const lines = parsePayload(m.payload);
    lines.forEach((line, i) => {
      const cause: Cause = { conn: m.conn, publish: m.publishIndex, line: i, topic: m.topic };
      const templateId = line.fields[0] ?? '';
      try {
        if (this.broker.options.strictEscaping) {
          const soft = line.findings.filter((f) => !f.malformed);
          if (soft.length > 0) this.record.add('decision', { decision: 'smartrest-finding', deviceId: m.deviceId, conn: m.conn, cause, text: line.text, findings: soft.map(describeFinding) });
        }
        if (line.malformed) throw new LineRefused(42, line.findings.filter((f) => f.malformed).map((f) => `${f.message} (at character ${f.offset - line.offset + 1})`).join('; '));
        if (m.route.kind === 'custom') {
          this.note('custom-template-line', m.deviceId, cause, { collection: m.route.templateId, fields: line.fields, children: m.route.children });
          return;
        }
        const read = readUpstreamLine(line.fields);
        if (!read.ok) throw new LineRefused(read.code, read.text);
        const target = this.target(m.deviceId, m.route.children, read, cause);
        this.apply(target, read, cause);
      } catch (err) {
        if (!(err instanceof LineRefused)) throw err;
        this.refuse(m, cause, err.code, templateId, err.message, line.text);
      }
    });
  }

  /** answer a bad line on s/e (when the device subscribed to it) and record why */
  private refuse(m: UpstreamMessage, cause: Cause, code: number, templateId: string, text: string, lineText: string): void {
    const answer = writeLine([code, /^\d+$/.test(templateId) ? templateId : '', text]);
    this.record.add('decision', { decision: 'smartrest-error', deviceId: m.deviceId, conn: m.conn, code, templateId, reason: text, line: lineText, answer, cause });
    this.broker.send(m.deviceId, 's/e', answer, { quiet: true }).catch(() => { /* the device went away */ });
  }

  /** the device a line acts on: the root, or a child named by the topic (a first-level child is made on first use) */
  private target(root: string, path: string[], read: ReadLine, cause: Cause): Device {
    const first = read.template.id === 100 && path.length === 0;
    let device = this.inventory.get(root);
    if (!device) {
      device = first
        ? this.inventory.create(root, read.values.name ?? `MQTT Device ${root}`, read.values.type!)
        : this.inventory.create(root, `MQTT Device ${root}`, 'c8y_MQTTDevice');
      this.broker.registerDevice(root);
      this.note('device-created', root, cause, { name: device.name, type: device.type, by: first ? 'template 100' : 'first data' });
      if (first) (read as ReadLine & { justCreated?: boolean }).justCreated = true;
    }
    for (let level = 0; level < path.length; level++) {
      const id = path[level]!;
      const child = this.inventory.get(id);
      if (child) {
        if (child.parent !== device.externalId) throw new LineRefused(41, `'${id}' is not a child of '${device.externalId}'${child.parent ? ` (its parent is '${child.parent}')` : ''}`);
        device = child;
        continue;
      }
      if (level > 0) throw new LineRefused(41, `unknown child '${id}' below '${device.externalId}': create it with 101 on the parent's topic first`);
      const viaCreate = read.template.id === 100 && path.length === 1;
      device = this.inventory.create(id, viaCreate ? read.values.name ?? `MQTT Device ${id}` : id, viaCreate ? read.values.type! : 'c8y_MQTTChildDevice', device.externalId);
      this.note('child-created', id, cause, { parent: device.parent, name: device.name, type: device.type, by: viaCreate ? 'template 100' : 'first data on its topic' });
      if (viaCreate) (read as ReadLine & { justCreated?: boolean }).justCreated = true;
    }
    return device;
  }

  private apply(d: Device, r: ReadLine & { justCreated?: boolean }, cause: Cause): void {
    const v = r.values;
    const id = r.template.id;
    const at = (t?: string) => t ?? new Date().toISOString();
    switch (id) {
      case 100:
        if (!r.justCreated) throw new LineRefused(41, 'Device already existing');
        return;
      case 101: {
        if (this.inventory.has(v.childId!)) throw new LineRefused(41, `Device already existing: '${v.childId}'`);
        const child = this.inventory.create(v.childId!, v.name ?? `MQTT Device ${v.childId}`, v.type!, d.externalId);
        this.note('child-created', child.externalId, cause, { parent: d.externalId, name: child.name, type: child.type, by: 'template 101' });
        return;
      }
      case 105: {
        const line = writeLine([106, ...d.children]);
        this.note('children-listed', d.externalId, cause, { children: d.children });
        void this.broker.send(this.inventory.rootOf(d.externalId), 's/ds', line);
        return;
      }
      case 110: d.hardware = { ...v }; return this.note('hardware', d.externalId, cause, { hardware: d.hardware });
      case 113: d.configuration = v.config ?? ''; return this.note('configuration', d.externalId, cause, { configuration: d.configuration });
      case 114: d.supportedOperations = r.groups.map((g) => g.fragment!); return this.note('supported-operations', d.externalId, cause, { supportedOperations: d.supportedOperations });
      case 115: d.firmware = { ...v }; return this.note('firmware', d.externalId, cause, { firmware: d.firmware });
      case 117: d.requiredAvailability = Number(v.interval); return this.note('required-availability', d.externalId, cause, { interval: d.requiredAvailability });
      case 200: return this.measure(d, cause, [{ fragment: v.fragment!, series: v.series!, value: Number(v.value), unit: v.unit, time: at(v.time) }]);
      case 201: return this.measure(d, cause, r.groups.map((g) => ({ fragment: g.fragment!, series: g.series!, value: Number(g.value), unit: g.unit, time: at(v.time), type: v.type })));
      case 210: {
        const ms: Measurement[] = [];
        if (v.rssi !== undefined) ms.push({ fragment: 'c8y_SignalStrength', series: 'rssi', value: Number(v.rssi), unit: 'dBm', time: at(v.time) });
        if (v.ber !== undefined) ms.push({ fragment: 'c8y_SignalStrength', series: 'ber', value: Number(v.ber), unit: '%', time: at(v.time) });
        if (ms.length === 0) throw new LineRefused(45, 'template 210 needs rssi or ber');
        return this.measure(d, cause, ms);
      }
      case 211: return this.measure(d, cause, [{ fragment: 'c8y_TemperatureMeasurement', series: 'T', value: Number(v.temperature), unit: 'C', time: at(v.time) }]);
      case 212: return this.measure(d, cause, [{ fragment: 'c8y_Battery', series: 'level', value: Number(v.battery), unit: '%', time: at(v.time) }]);
      case 301: case 302: case 303: case 304: {
        const severity = ALARM_SEVERITY[id]!;
        const existing = d.alarms[v.type!];
        if (existing) { existing.count++; existing.severity = severity; existing.text = v.text!; existing.time = at(v.time); }
        else d.alarms[v.type!] = { type: v.type!, severity, text: v.text!, time: at(v.time), count: 1, status: 'ACTIVE' };
        return this.note('alarm-raised', d.externalId, cause, { alarm: d.alarms[v.type!] });
      }
      case 305: {
        const a = d.alarms[v.type!];
        if (!a) throw new LineRefused(41, `no active alarm of type '${v.type}' on '${d.externalId}'`);
        a.severity = v.severity!.toUpperCase();
        return this.note('alarm-severity-changed', d.externalId, cause, { alarm: a });
      }
      case 306: {
        const a = d.alarms[v.type!];
        delete d.alarms[v.type!];
        return this.note('alarm-cleared', d.externalId, cause, { type: v.type, wasActive: !!a });
      }
      case 400: {
        const e = { type: v.type!, text: v.text!, time: at(v.time) };
        d.events.push(e);
        return this.note('event', d.externalId, cause, { event: e });
      }
      case 401: case 402: {
        const loc = { ...numbers(v, ['lat', 'lng', 'alt', 'accuracy']), time: at(v.time) };
        d.location = loc;
        d.events.push({ type: 'c8y_LocationUpdate', text: 'Location updated', time: loc.time });
        if (id === 402) d.position = loc;
        return this.note('location', d.externalId, cause, { location: loc, positionUpdated: id === 402 });
      }
      case 500: void this.resendPending(this.inventory.rootOf(d.externalId), 'template 500', cause); return;
      case 501: return this.status(d, cause, 'EXECUTING', this.byFragment(d, v.fragment!, ['PENDING']));
      case 502: return this.status(d, cause, 'FAILED', this.byFragment(d, v.fragment!, ['EXECUTING', 'PENDING']), { reason: v.reason ?? '' });
      case 503: return this.status(d, cause, 'SUCCESSFUL', this.byFragment(d, v.fragment!, ['EXECUTING', 'PENDING']), { result: r.groups.map((g) => g.result ?? '') });
      case 504: return this.status(d, cause, 'EXECUTING', this.byId(d, v.id!, ['PENDING']));
      case 505: return this.status(d, cause, 'FAILED', this.byId(d, v.id!, ['EXECUTING', 'PENDING']), { reason: v.reason ?? '' });
      case 506: return this.status(d, cause, 'SUCCESSFUL', this.byId(d, v.id!, ['EXECUTING', 'PENDING']), { result: r.groups.map((g) => g.result ?? '') });
      default: throw new LineRefused(50, `template ${id} is in the catalogue but not handled`);
    }
  }

  private measure(d: Device, cause: Cause, ms: Measurement[]): void {
    for (const m of ms) d.measurements[`${m.fragment}.${m.series}`] = m;
    d.measurementCount += ms.length;
    this.note('measurement', d.externalId, cause, { measurements: ms });
  }

  private byFragment(d: Device, fragment: string, from: OperationStatus[]): Operation {
    for (const s of from) {
      const op = this.operations.oldest(d.externalId, fragment, s);
      if (op) return op;
    }
    throw new LineRefused(41, `no ${from.join(' or ')} operation with fragment '${fragment}' for '${d.externalId}'`);
  }

  private byId(d: Device, id: string, from: OperationStatus[]): Operation {
    const op = this.operations.get(id);
    if (!op || !this.inventory.subtree(this.inventory.rootOf(d.externalId)).includes(op.deviceId)) throw new LineRefused(41, `no operation ${id} for '${d.externalId}' or a device below its root`);
    if (!from.includes(op.status)) throw new LineRefused(41, `operation ${id} is ${op.status}; it cannot change to that status now`);
    return op;
  }

  private status(d: Device, cause: Cause, status: OperationStatus, op: Operation, extra: { reason?: string; result?: string[] } = {}): void {
    const before = op.status;
    this.operations.move(op, status, `device ${d.externalId}`, extra);
    this.note('operation-status', op.deviceId, cause, { operationId: op.id, fragment: op.fragment, from: before, to: status, ...extra });
  }

  // ---- operations ----------------------------------------------------------------------------

  /** Create an operation for a device or any child and send it on the root device's s/ds. */
  async createOperation(req: OperationRequest): Promise<Operation> {
    if (typeof req.device !== 'string' || req.device.length === 0) throw new PlatformError(400, '"device" must be the external id of a device');
    if (!this.inventory.has(req.device)) throw new PlatformError(404, `no device with external id '${req.device}'`);
    const t = resolveTemplate(req);
    const params = checkParams(t, req.params ?? []);
    const op = this.operations.create(req.device, t, params);
    const line = this.downstreamLine(op);
    this.note('operation-created', op.deviceId, undefined, { operationId: op.id, fragment: op.fragment, templateId: op.templateId, params, line });
    await this.deliver(op, line);
    return op;
  }

  downstreamLine(op: Operation): string {
    return writeLine([op.templateId, op.deviceId, ...op.params]);
  }

  private async deliver(op: Operation, line: string): Promise<void> {
    const root = this.inventory.rootOf(op.deviceId);
    const res = await this.broker.send(root, 's/ds', line);
    this.note('operation-delivery', op.deviceId, undefined, { operationId: op.id, via: root, delivery: res.status, ...(res.qos !== undefined ? { qos: res.qos } : {}) });
  }

  /** send every PENDING operation of a root device and its children again */
  async resendPending(root: string, why: string, cause?: Cause): Promise<void> {
    const pending = this.operations.pendingFor(this.inventory.subtree(root));
    this.note('pending-resent', root, cause, { reason: why, operations: pending.map((o) => o.id) });
    for (const op of pending) await this.deliver(op, this.downstreamLine(op));
  }

  /** a device as the API shows it */
  view(id: string): Record<string, unknown> | undefined {
    const d = this.inventory.get(id);
    if (!d) return undefined;
    return { ...d, activeAlarms: Object.values(d.alarms), alarms: undefined, operations: this.operations.forDevice(id).map((o) => ({ id: o.id, fragment: o.fragment, status: o.status })) };
  }
}

function numbers(v: Record<string, string>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (v[k] !== undefined) out[k] = Number(v[k]);
  return out;
}

function describeFinding(f: Finding): Record<string, unknown> {
  return { code: f.code, field: f.field, offset: f.offset, message: f.message };
}

export { PlatformError };
