// The platform model: what each upstream publish does on Cumulocity (static templates, template
// collections, bootstrap, tokens), operations sent to devices, and the s/e answers. Every change
// goes into the record, linked to its PUBLISH.
import type { C8yBroker, UpstreamMessage } from '../broker.ts';
import { parsePayload, writeLine, type Finding, type ParsedLine } from '../../smartrest/codec.ts';
import { readUpstreamLine } from '../../smartrest/upstream.ts';
import { finding } from '../../rules.ts';
import { Collections } from './collections.ts';
import { LineEffects, LineRefused } from './effects.ts';
import { Inventory, type Device } from './inventory.ts';
import {
  OperationStore,
  PlatformError,
  resolveOperation,
  type Operation,
  type OperationRequest,
} from './operations.ts';
import { Registrations } from './registrations.ts';
import { SharedState } from './shared-state.ts';

/** where a line came from: the connection, the nth PUBLISH on it, the line within the payload */
export interface Cause {
  conn: string;
  publish?: number;
  line: number;
  topic: string;
}

export class Platform {
  readonly inventory = new Inventory();
  readonly operations = new OperationStore();
  readonly collections: Collections;
  readonly registrations: Registrations;

  private _broker!: C8yBroker;
  /** the inventory and operations of a cluster of broker processes (share()) */
  private shared: SharedState | undefined;

  constructor(broker: C8yBroker) {
    this.collections = new Collections(this, broker.options.templateCollections);
    this.registrations = new Registrations(this);
    this.attach(broker);
  }

  get broker(): C8yBroker {
    return this._broker;
  }

  /** the MQTT endpoint it serves (again, after a broker restart: the platform's state outlives it) */
  attach(broker: C8yBroker): void {
    this._broker = broker;
    if (this.shared && broker.cluster) this.shared.rejoin(broker.cluster);
    broker.onUpstream((m) => this.handle(m));
    broker.onSubscribe((deviceId, topics) => {
      if (broker.options.pushPendingOnSubscribe && topics.includes('s/ds'))
        void this.resendPending(deviceId, 'subscribe');
    });
  }

  /** when the broker is one of a cluster: take the cluster's inventory and operations, and keep them in step */
  async share(): Promise<void> {
    if (this.broker.cluster && !this.shared) this.shared = await SharedState.join(this, this.broker.cluster);
  }

  get record() {
    return this.broker.record;
  }

  note(change: string, deviceId: string, cause: Cause | undefined, fields: Record<string, unknown>): void {
    this.record.add('platform', {
      change,
      deviceId,
      rootId: this.inventory.rootOf(deviceId),
      ...fields,
      ...(cause ? { cause } : {}),
    });
  }

  // ---- upstream ------------------------------------------------------------------------------

  handle(m: UpstreamMessage): void {
    this.route(m);
    this.shared?.changed(m.deviceId);
  }

  private route(m: UpstreamMessage): void {
    switch (m.route.kind) {
      case 'static':
        return this.eachLine(m, (line, cause) => this.staticLine(m, line, cause));
      case 'custom':
        return this.eachLine(m, (line, cause) => this.collections.dataLine(m, line, cause));
      case 'template-collection':
        return this.collections.define(m);
      case 'bootstrap':
        return this.registrations.poll(m);
      case 'jwt':
        return this.registrations.token(m);
      case 'json':
        return; // recorded by the broker with its warning; not emulated
    }
  }

  /** devices whose measurements (templates 200-299) the harness has the platform refuse */
  private readonly refusingMeasurements = new Set<string>();

  /**
   * From now on the platform refuses the device's measurements (static templates 200-299), on
   * s/e with 41 as it answers a request the REST API turns down: a device must not loop resending.
   */
  refuseMeasurements(deviceId: string): void {
    this.refusingMeasurements.add(deviceId);
    this.record.add('decision', {
      decision: 'refusing-set',
      deviceId,
      reason: "the harness has the platform refuse the device's measurements (templates 200-299) with 41 on s/e",
    });
  }

  private refused(m: UpstreamMessage, line: ParsedLine): boolean {
    const id = Number(line.fields[0]);
    return m.route.kind === 'static' && this.refusingMeasurements.has(m.deviceId) && id >= 200 && id < 300;
  }

  /** each line of the payload on its own: escaping findings, then the line's meaning; a refused line is answered on s/e */
  eachLine(m: UpstreamMessage, read: (line: ParsedLine, cause: Cause) => void): void {
    parsePayload(m.payload).forEach((line, i) => {
      const cause: Cause = { conn: m.conn, publish: m.publishIndex, line: i, topic: m.topic };
      try {
        this.escapingFindings(m, line, cause);
        const malformed = line.findings.filter((f) => f.malformed);
        if (malformed.length > 0) {
          throw new LineRefused(
            42,
            `escaping.${malformed[0]!.code}`,
            malformed.map((f) => `${f.message} (at character ${f.offset - line.offset + 1})`).join('; '),
          );
        }
        if (this.refused(m, line))
          throw new LineRefused(
            41,
            'platform.behaviour',
            'Measurement refused (the test has the platform refuse them)',
          );
        read(line, cause);
      } catch (err) {
        if (!(err instanceof LineRefused)) throw err;
        this.refuse(m, cause, err, line.fields[0] ?? '', line.text);
      }
    });
  }

  /** deviations from the seed's escaping that the platform still understands: one finding per rule */
  private escapingFindings(m: UpstreamMessage, line: ParsedLine, cause: Cause): void {
    if (!this.broker.options.strictEscaping) return;
    const byRule = new Map<string, Finding[]>();
    for (const f of line.findings.filter((x) => !x.malformed))
      byRule.set(`escaping.${f.code}`, [...(byRule.get(`escaping.${f.code}`) ?? []), f]);
    for (const [rule, fs] of byRule) {
      this.record.add('decision', {
        decision: 'smartrest-finding',
        deviceId: m.deviceId,
        conn: m.conn,
        cause,
        text: line.text,
        findings: fs.map(describeFinding),
        reason: fs[0]!.message,
        ...finding(rule, this.broker.options.strict),
      });
    }
  }

  /** answer a refused line on s/e (when the device subscribed to it) and record why, under its rule */
  refuse(m: UpstreamMessage, cause: Cause, err: LineRefused, templateId: string, lineText: string): void {
    const answer = writeLine([err.code, /^[\w-]+$/.test(templateId) ? templateId : '', err.message]);
    this.record.add('decision', {
      decision: 'smartrest-error',
      deviceId: m.deviceId,
      conn: m.conn,
      code: err.code,
      templateId,
      reason: err.message,
      line: lineText,
      answer,
      cause,
      ...finding(err.rule, this.broker.options.strict),
    });
    this.broker.send(m.deviceId, 's/e', answer, { quiet: true }).catch(() => {
      /* the device went away */
    });
  }

  private staticLine(m: UpstreamMessage, line: ParsedLine, cause: Cause): void {
    const read = readUpstreamLine(line.fields);
    if (!read.ok) throw new LineRefused(read.code, read.rule, read.text);
    const creates = read.template.id === 100 ? { name: read.values.name, type: read.values.type! } : undefined;
    const { device, justCreated } = this.target(m.deviceId, m.route.children, cause, creates);
    read.template.effect(new LineEffects(this, device, cause, justCreated), read);
  }

  /**
   * The device a line acts on: the root, or a child named by the topic. The root is made by its
   * first data, a first-level child by the first data on its topic (a 100 names either).
   */
  target(
    root: string,
    path: readonly string[],
    cause: Cause,
    creates?: { name?: string; type: string },
  ): { device: Device; justCreated: boolean } {
    let justCreated = false;
    let device = this.inventory.get(root);
    if (!device) {
      const named = creates && path.length === 0;
      device = this.inventory.create(
        root,
        (named && creates.name) || `MQTT Device ${root}`,
        named ? creates.type : 'c8y_MQTTDevice',
      );
      this.broker.registerDevice(root);
      this.note('device-created', root, cause, {
        name: device.name,
        type: device.type,
        by: named ? 'template 100' : 'first data',
      });
      justCreated = !!named;
    }
    for (let level = 0; level < path.length; level++) {
      const id = path[level]!;
      const child = this.inventory.get(id);
      if (child) {
        if (child.parent !== device.externalId) {
          throw new LineRefused(
            41,
            'hierarchy.unknown-child',
            `'${id}' is not a child of '${device.externalId}'${child.parent ? ` (its parent is '${child.parent}')` : ''}`,
          );
        }
        device = child;
        continue;
      }
      if (level > 0)
        throw new LineRefused(
          41,
          'hierarchy.unknown-child',
          `unknown child '${id}' below '${device.externalId}': create it with 101 on the parent's topic first`,
        );
      const named = creates && path.length === 1;
      device = this.inventory.create(
        id,
        named ? (creates.name ?? `MQTT Device ${id}`) : id,
        named ? creates.type : 'c8y_MQTTChildDevice',
        device.externalId,
      );
      this.note('child-created', id, cause, {
        parent: device.parent,
        name: device.name,
        type: device.type,
        by: named ? 'template 100' : 'first data on its topic',
      });
      justCreated = !!named;
    }
    return { device, justCreated };
  }

  /** a line on the root device's s/ds (106, 124, 601, 603) */
  answer(root: string, fields: readonly (string | number)[]): void {
    void this.broker.send(root, 's/ds', writeLine(fields));
  }

  // ---- operations ----------------------------------------------------------------------------

  /** Create an operation for a device or any child and send it to the root device (s/ds, and s/dc for custom templates). */
  async createOperation(req: OperationRequest): Promise<Operation> {
    if (typeof req.device !== 'string' || req.device.length === 0)
      throw new PlatformError(400, '"device" must be the external id of a device');
    if (!this.inventory.has(req.device)) throw new PlatformError(404, `no device with external id '${req.device}'`);
    const op = this.operations.create(req.device, resolveOperation(req));
    const line = this.downstreamLine(op);
    this.note('operation-created', op.deviceId, undefined, {
      operationId: op.id,
      fragment: op.fragment,
      value: op.value,
      ...(op.templateId !== undefined ? { templateId: op.templateId, params: op.params, line } : {}),
    });
    await this.deliver(op);
    return op;
  }

  /** the operation's line on s/ds, when a static template carries it */
  downstreamLine(op: Operation): string | undefined {
    return op.templateId === undefined ? undefined : writeLine([op.templateId, op.deviceId, ...op.params]);
  }

  private async deliver(op: Operation): Promise<void> {
    const root = this.inventory.rootOf(op.deviceId);
    const line = this.downstreamLine(op);
    if (line !== undefined) {
      const res = await this.broker.send(root, 's/ds', line);
      this.note('operation-delivery', op.deviceId, undefined, {
        operationId: op.id,
        via: root,
        topic: 's/ds',
        delivery: res.status,
        ...(res.qos !== undefined ? { qos: res.qos } : {}),
      });
    }
    const custom = await this.collections.deliver(op, root);
    if (line === undefined && custom === 0) {
      this.note('operation-delivery', op.deviceId, undefined, {
        operationId: op.id,
        via: root,
        delivery: 'no-template',
        reason: `no static template carries ${op.fragment} and no response template of a collection the device subscribed to matched it`,
      });
    }
  }

  /** send every PENDING operation of a root device and its children again */
  async resendPending(root: string, why: string, cause?: Cause): Promise<void> {
    const pending = this.operations.pendingFor(this.inventory.subtree(root));
    this.note('pending-resent', root, cause, { reason: why, operations: pending.map((o) => o.id) });
    if (this.broker.options.batchPendingOperations) return this.deliverBatch(root, pending);
    for (const op of pending) await this.deliver(op);
  }

  /** the operations with a static template in one PUBLISH on s/ds, a line each; the others one by one */
  private async deliverBatch(root: string, ops: Operation[]): Promise<void> {
    const lined = ops.filter((op) => this.downstreamLine(op) !== undefined);
    if (lined.length > 0) {
      const res = await this.broker.send(root, 's/ds', lined.map((op) => this.downstreamLine(op)).join('\n'));
      for (const op of lined)
        this.note('operation-delivery', op.deviceId, undefined, {
          operationId: op.id,
          via: root,
          topic: 's/ds',
          delivery: res.status,
          batch: lined.length,
          ...(res.qos !== undefined ? { qos: res.qos } : {}),
        });
    }
    for (const op of ops.filter((o) => !lined.includes(o))) await this.deliver(op);
  }

  /** a device as the API shows it */
  view(id: string): Record<string, unknown> | undefined {
    const d = this.inventory.get(id);
    if (!d) return undefined;
    return {
      ...d,
      activeAlarms: Object.values(d.alarms),
      alarms: undefined,
      operations: this.operations.forDevice(id).map((o) => ({ id: o.id, fragment: o.fragment, status: o.status })),
    };
  }
}

function describeFinding(f: Finding): Record<string, unknown> {
  return { code: f.code, field: f.field, offset: f.offset, message: f.message };
}

export { PlatformError };
