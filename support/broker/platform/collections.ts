// Template collections on the platform (SPEC 9): created on s/ut/<X-ID> or preloaded, queried on
// s/dt, used on s/uc/<X-ID> and s/ud, and rendering operations and responses onto s/dc/<X-ID> and s/dd.
import type { UpstreamMessage } from '../broker.ts';
import { parseLine, parsePayload, withoutTrailingEmpty, writeLine, type ParsedLine } from '../../smartrest/codec.ts';
import {
  defineCollection,
  readRequest,
  renderResponses,
  TemplateError,
  type CollectionDefinition,
  type RequestTemplate,
  type RequestValues,
} from '../../smartrest/collection.ts';
import type { OperationStatus } from '../../smartrest/catalogue/index.ts';
import { LineEffects, LineRefused } from './effects.ts';
import type { Device } from './inventory.ts';
import type { Operation } from './operations.ts';
import type { Cause, Platform } from './platform.ts';

export interface Collection {
  xid: string;
  id: string;
  definition: CollectionDefinition;
  created: string;
  by: string;
}

export class Collections {
  private readonly all = new Map<string, Collection>();
  private nextId = 9000;

  constructor(
    private readonly platform: Platform,
    preload: Record<string, readonly string[]>,
  ) {
    for (const [xid, lines] of Object.entries(preload))
      this.store(xid, defineCollection(lines.map((l) => parseLine(l).fields)), 'preloaded');
  }

  get(xid: string): Collection | undefined {
    return this.all.get(xid);
  }
  list(): Collection[] {
    return [...this.all.values()];
  }

  private store(xid: string, definition: CollectionDefinition, by: string): Collection {
    const c = { xid, id: String(++this.nextId), definition, created: new Date().toISOString(), by };
    this.all.set(xid, c);
    return c;
  }

  private get broker() {
    return this.platform.broker;
  }

  // ---- s/ut/<X-ID>: create, or (empty) ask whether it exists ----------------------------------

  define(m: UpstreamMessage): void {
    if (m.route.kind !== 'template-collection') return;
    const xid = m.route.templateId;
    const lines = parsePayload(m.payload);
    const cause: Cause = { conn: m.conn, publish: m.publishIndex, line: 0, topic: m.topic };
    const existing = this.all.get(xid);
    if (lines.length === 0) {
      const answer = existing ? [20, xid, existing.id] : [41, xid];
      this.platform.note('collection-queried', m.deviceId, cause, {
        collection: xid,
        exists: !!existing,
        answer: answer.map(String),
      });
      void this.broker.send(m.deviceId, 's/dt', writeLine(answer));
      return;
    }
    if (existing) {
      return this.platform.refuse(
        m,
        cause,
        new LineRefused(
          41,
          'custom.collection-exists',
          `Cannot create templates for already existing template object '${xid}'`,
        ),
        '',
        lines[0]!.text,
      );
    }
    const malformed = lines.find((l) => l.malformed);
    if (malformed) {
      const at = { ...cause, line: lines.indexOf(malformed) };
      return this.platform.refuse(
        m,
        at,
        new LineRefused(
          41,
          'custom.bad-template',
          `line ${at.line + 1} of collection '${xid}' is malformed: ${malformed.findings[0]!.message}`,
        ),
        '',
        malformed.text,
      );
    }
    try {
      const c = this.store(xid, defineCollection(lines.map((l) => l.fields)), `device ${m.deviceId}`);
      this.platform.note('collection-created', m.deviceId, cause, {
        collection: xid,
        id: c.id,
        requests: [...c.definition.requests.keys()],
        responses: c.definition.responses.map((r) => r.msgId),
      });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const at = { ...cause, line: err.line };
      this.platform.refuse(
        m,
        at,
        new LineRefused(
          41,
          'custom.bad-template',
          `collection '${xid}' was not created: line ${err.line + 1}: ${err.message}`,
        ),
        err.msgId,
        lines[err.line]?.text ?? '',
      );
    }
  }

  // ---- s/uc/<X-ID>[/<child>…] and s/ud[/<child>…]: data with request templates -----------------

  dataLine(m: UpstreamMessage, line: ParsedLine, cause: Cause): void {
    if (m.route.kind !== 'custom') return;
    const xid = m.route.templateId ?? m.defaultTemplateId;
    if (xid === undefined)
      throw new LineRefused(
        40,
        'custom.unknown-collection',
        's/ud needs a default template collection in the ClientId (d:<device>:<X-ID>)',
      );
    const c = this.all.get(xid);
    if (!c) throw new LineRefused(40, 'custom.unknown-collection', `No template collection '${xid}'`);
    const msgId = line.fields[0] ?? '';
    const t = c.definition.requests.get(msgId);
    if (!t)
      throw new LineRefused(40, 'custom.unknown-message', `No request template '${msgId}' in collection '${xid}'`);
    let values: RequestValues;
    try {
      values = readRequest(t, withoutTrailingEmpty(line.fields).slice(1));
    } catch (err) {
      throw new LineRefused(45, 'custom.parameters', (err as Error).message);
    }
    const { device, justCreated } = this.platform.target(m.deviceId, m.route.children, cause);
    this.platform.note('custom-request', device.externalId, cause, {
      collection: xid,
      msgId,
      api: t.api,
      method: t.method,
      ...values,
    });
    const result = this.apply(t, values, new LineEffects(this.platform, device, cause, justCreated), device, cause);
    if (t.response && result !== undefined) {
      const topic = m.route.templateId === undefined ? 's/dd' : `s/dc/${xid}`;
      for (const l of renderResponses(c.definition.responses, result, []))
        void this.broker.send(m.deviceId, topic, writeLine(l));
    }
  }

  /** what a request does; the object it made or read, for the response templates */
  private apply(t: RequestTemplate, v: RequestValues, fx: LineEffects, device: Device, cause: Cause): unknown {
    const { type, text, time, status, severity, fragment, ...rest } = v.body as Record<string, string | undefined> &
      Record<string, unknown>;
    const need = (what: string, value: unknown) => {
      if (value === undefined || value === '')
        throw new LineRefused(45, 'custom.parameters', `${t.msgId}: ${what} is mandatory`);
    };
    switch (`${t.api} ${t.method}`) {
      case 'MEASUREMENT POST':
        need('type', type);
        fx.measure(measurementsOf(rest, fx.time(time), type!));
        return v.body;
      case 'EVENT POST':
        need('type', type);
        need('text', text);
        fx.createEvent(type!, text!, fx.time(time), rest);
        return v.body;
      case 'ALARM POST':
        need('type', type);
        if (status === 'CLEARED') fx.clearAlarm(type!);
        else fx.raiseAlarm(type!, severity ?? 'MAJOR', text ?? `Alarm of type ${type} raised`, fx.time(time));
        return v.body;
      case 'ALARM PUT': {
        need('type', type);
        if (!device.alarms[type!])
          throw new LineRefused(
            41,
            'platform.not-processed',
            `no active alarm of type '${type}' on '${device.externalId}'`,
          );
        Object.assign(device.alarms[type!]!.fragments, rest);
        if (severity) fx.changeAlarmSeverity(type!, severity);
        if (status === 'CLEARED') fx.clearAlarm(type!);
        return v.body;
      }
      case 'OPERATION PUT':
        need('fragment', fragment);
        if (status) fx.setOperationStatus({ fragment: fragment! }, status as OperationStatus);
        return v.body;
      case 'INVENTORY GET':
        return this.platform.inventory.json(this.keyed(v, device));
      case 'INVENTORY PUT': {
        const target = this.keyed(v, device);
        const targetFx = target === device ? fx : new LineEffects(this.platform, target, cause, false);
        for (const [k, value] of Object.entries(v.body)) targetFx.setFragment(k, value);
        return this.platform.inventory.json(target);
      }
      case 'INVENTORY POST': {
        const externalId = v.key?.externalId || `managed-object-${this.nextId++}`;
        if (this.platform.inventory.has(externalId))
          throw new LineRefused(
            41,
            'platform.device-exists',
            `a managed object with external id '${externalId}' exists`,
          );
        const mo = this.platform.inventory.create(
          externalId,
          String(v.body.name ?? externalId),
          String(type ?? 'c8y_ManagedObject'),
        );
        delete mo.fragments.c8y_IsDevice;
        Object.assign(mo.fragments, rest);
        this.platform.note('managed-object-created', externalId, cause, {
          externalIdType: v.key?.externalIdType,
          fragments: mo.fragments,
        });
        return this.platform.inventory.json(mo);
      }
    }
    return undefined;
  }

  /** the managed object an INVENTORY GET or PUT names (by id or external id) */
  private keyed(v: RequestValues, device: Device): Device {
    const inv = this.platform.inventory;
    const found =
      v.key?.id !== undefined
        ? inv.byManagedObjectId(v.key.id)
        : v.key?.externalId !== undefined
          ? inv.get(v.key.externalId)
          : device;
    if (!found)
      throw new LineRefused(
        41,
        'platform.not-processed',
        `no managed object ${v.key?.id ?? `with external id '${v.key?.externalId}'`}`,
      );
    return found;
  }

  // ---- operations onto s/dc/<X-ID> and s/dd ------------------------------------------------------

  /** render the operation with every collection whose topic the root device subscribed to; returns the lines sent */
  async deliver(op: Operation, root: string): Promise<number> {
    const target = this.platform.inventory.get(op.deviceId)!;
    const json = this.platform.operations.json(op, target);
    let sent = 0;
    for (const c of this.all.values()) {
      const topics = [`s/dc/${c.xid}`, ...(this.broker.defaultTemplateOf(root) === c.xid ? ['s/dd'] : [])];
      for (const topic of topics) {
        if ((await this.broker.subscribedQos(root, topic)) === undefined) continue;
        for (const fields of renderResponses(c.definition.responses, json, [op.deviceId])) {
          const line = writeLine(fields);
          const res = await this.broker.send(root, topic, line);
          this.platform.note('operation-delivery', op.deviceId, undefined, {
            operationId: op.id,
            via: root,
            topic,
            line,
            delivery: res.status,
            ...(res.qos !== undefined ? { qos: res.qos } : {}),
          });
          sent++;
        }
      }
    }
    return sent;
  }
}

/** {c8y_T: {T: {value: 21, unit: "C"}}} → the measurements it holds */
function measurementsOf(body: Record<string, unknown>, time: string, type: string) {
  const out: { fragment: string; series: string; value: number; unit?: string; time: string; type: string }[] = [];
  for (const [fragment, series] of Object.entries(body)) {
    if (series === null || typeof series !== 'object') continue;
    for (const [name, v] of Object.entries(series as Record<string, unknown>)) {
      const m = v as { value?: unknown; unit?: unknown } | null;
      if (m && typeof m === 'object' && typeof m.value === 'number') {
        out.push({
          fragment,
          series: name,
          value: m.value,
          ...(typeof m.unit === 'string' ? { unit: m.unit } : {}),
          time,
          type,
        });
      }
    }
  }
  return out;
}
