// Operations: how the device answers them (501, then 503 or 502, for the operation's fragment, on
// the target's topic, once each), judged from the record's packets and the platform's changes.
import type { RecordEvent } from '../record/events.ts';
import { inOrder, type EventFilter } from '../record/query.ts';
import { parseLine, parsePayload } from '../smartrest/codec.ts';
import { devicePackets, payloadOf, platformChanges, topicOf } from './device-traffic.ts';
import { decidedRule, type PassiveRule } from './from-decisions.ts';
import { broken, notApplicable, pass, type Ctx, type Verdict } from './verdict.ts';

/** an operation as a step knows it: what the platform created */
export interface OperationRef {
  id: string;
  fragment: string;
  deviceId: string;
}

const created = (c: Ctx, op: OperationRef) =>
  platformChanges(c.events, 'operation-created', (e) => e.operationId === op.id)[0];
const statuses = (c: Ctx, op: OperationRef) =>
  platformChanges(c.events, 'operation-status', (e) => e.operationId === op.id);
/** a child's operation judges the device's handling of children; the root's, its operation lifecycle */
const ruleFor = (c: Ctx, op: OperationRef) =>
  op.deviceId === c.deviceId ? 'operations.lifecycle' : 'hierarchy.child-operations';

/** status lines the platform refused after the operation was created: each says what the device answered instead */
function refusedStatuses(c: Ctx, op: OperationRef): RecordEvent[] {
  const since = created(c, op)?.seq ?? 0;
  return c.events.filter(
    (e) => e.seq > since && e.decision === 'smartrest-error' && /^50[1-7],/.test(String(e.line ?? '')),
  );
}

/** a status line for another fragment, or ours refused (wrong topic, answered twice): the operation cannot end as it should */
function wrongAnswer(c: Ctx, op: OperationRef): { why: string; events: RecordEvent[] } | undefined {
  for (const e of refusedStatuses(c, op)) {
    const [id, fragment] = parseLine(String(e.line)).fields;
    if (Number(id) <= 503 && fragment !== op.fragment) {
      return {
        why: `The device answered ${fragment} (${String(e.line)}) while operation ${op.id} is ${op.fragment}.`,
        events: [e],
      };
    }
    if (fragment === op.fragment && e.rule !== 'operations.no-matching')
      return { why: `The platform refused the device's ${String(e.line)}: ${String(e.reason)}`, events: [e] };
  }
  return undefined;
}

/** the operation ended in this status; fails finally once it ended otherwise or the device answered something else */
export function operationEnds(c: Ctx, op: OperationRef, status: string): Verdict {
  const rule = ruleFor(c, op);
  const changes = statuses(c, op);
  if (changes.some((e) => e.to === status)) return pass(rule, changes);
  const finished = changes.find((e) => e.to === 'SUCCESSFUL' || e.to === 'FAILED');
  const expected = `operation ${op.id} (${op.fragment} for ${op.deviceId}) to end ${status}.`;
  if (finished)
    return broken(
      rule,
      c,
      `It ended ${String(finished.to)}${finished.reason ? `: ${String(finished.reason)}` : ''}.`,
      changes,
      { expected, final: true },
    );
  const wrong = wrongAnswer(c, op);
  if (wrong) return broken(rule, c, wrong.why, [...changes, ...wrong.events], { expected, final: true });
  const now = changes.at(-1)?.to ?? 'PENDING';
  return broken(
    rule,
    c,
    `It is ${String(now)}.`,
    [created(c, op), ...changes].filter((e): e is RecordEvent => !!e),
    { expected },
  );
}

/**
 * Every one of these operations ended in this status, each going through EXECUTING once: the
 * first that did not (or cannot any more) is named, with how many of them did.
 */
export function operationsEnd(c: Ctx, ops: readonly OperationRef[], status: string): Verdict {
  const ids = ops.map((o) => o.id).join(', ');
  const expected = `all ${ops.length} operations (${ids}) to end ${status}, each answered once.`;
  const twice = ops.find((op) => statuses(c, op).filter((e) => e.to === 'EXECUTING').length > 1);
  if (twice) {
    const changes = statuses(c, twice);
    const n = changes.filter((e) => e.to === 'EXECUTING').length;
    return broken(ruleFor(c, twice), c, `Operation ${twice.id} went EXECUTING ${n} times.`, changes, {
      expected,
      final: true,
    });
  }
  const verdicts = ops.map((op) => ({ op, v: operationEnds(c, op, status) }));
  const failing = verdicts.find((x) => !x.v.ok && x.v.final) ?? verdicts.find((x) => !x.v.ok);
  if (!failing)
    return pass(
      ruleFor(c, ops[0]!),
      ops.flatMap((op) => statuses(c, op)),
    );
  const did = failing.v.ok ? '' : (failing.v.message.split('\n')[1] ?? '');
  const done = verdicts.filter((x) => x.v.ok).length;
  return broken(
    ruleFor(c, failing.op),
    c,
    `${done} of ${ops.length} ended ${status}; operation ${failing.op.id}: ${did}`,
    [created(c, failing.op), ...statuses(c, failing.op)].filter((e): e is RecordEvent => !!e),
    { expected, final: !failing.v.ok && failing.v.final },
  );
}

/** the lab's own doing: the broker pushed these operations to the device in one PUBLISH (a line each) */
export function deliveredInOnePublish(c: Ctx, ops: readonly OperationRef[]): Verdict {
  const ids = new Set(ops.map((o) => o.id));
  const batched = c.events.filter(
    (e) =>
      e.kind === 'platform' &&
      e.change === 'operation-delivery' &&
      ids.has(String(e.operationId)) &&
      e.batch === ops.length,
  );
  if (batched.length === ops.length) return pass('platform.behaviour', batched);
  const deliveries = c.events.filter((e) => e.kind === 'platform' && e.change === 'operation-delivery');
  return broken('platform.behaviour', c, `${batched.length} of them went out in one PUBLISH.`, deliveries, {
    expected: `the ${ops.length} pending operations pushed in one PUBLISH on s/ds, a line each.`,
  });
}

/** the operation has not changed status (so far) */
export function stillPending(c: Ctx, op: OperationRef): Verdict {
  const changes = statuses(c, op);
  if (changes.length === 0) return pass('platform.behaviour');
  return broken('platform.behaviour', c, `It became ${String(changes[0]!.to)}.`, changes, {
    expected: `operation ${op.id} to stay PENDING.`,
    final: true,
  });
}

/** the result the device gave with 503 */
export function resultIs(c: Ctx, op: OperationRef, result: string): Verdict {
  const done = statuses(c, op).find((e) => e.to === 'SUCCESSFUL');
  const got = done?.result as string[] | undefined;
  if (got && got.length === 1 && got[0] === result) return pass('platform.data', [done!]);
  return broken(
    'platform.data',
    c,
    done ? `It has the result ${JSON.stringify(got ?? [])}.` : 'It did not end SUCCESSFUL.',
    statuses(c, op),
    { expected: `operation ${op.id} to have the result ${JSON.stringify(result)}.`, final: !!done },
  );
}

/**
 * c8y_Command's result is what the device's profile promises for the command ("executed:
 * {command}"); a profile that promises nothing accepts any result (the seed leaves it open).
 */
export function commandResultAsPromised(c: Ctx, op: OperationRef, command: string): Verdict {
  const template = c.promised?.commandResult;
  if (template === undefined) return notApplicable('platform.data');
  return resultIs(c, op, template.replaceAll('{command}', command));
}

/**
 * An operation the device does not support is never reported SUCCESSFUL. The seed leaves the
 * answer open: FAILED (with or without EXECUTING first) or left PENDING; the profile may promise one.
 */
export function unsupportedNotExecuted(c: Ctx, op: OperationRef): Verdict {
  const rule = ruleFor(c, op);
  const policy = c.promised?.unsupported ?? 'any';
  const changes = statuses(c, op);
  const ended = changes.find((e) => e.to === 'SUCCESSFUL' || e.to === 'FAILED');
  const what = `operation ${op.id} (${op.fragment}, which the device does not support)`;
  const expected = {
    fail: `${what} to end FAILED, as its profile promises.`,
    ignore: `${what} to stay PENDING, as its profile promises.`,
    any: `${what} to end FAILED or stay PENDING, never SUCCESSFUL.`,
  }[policy];
  if (ended?.to === 'SUCCESSFUL') {
    return broken(rule, c, 'It ended SUCCESSFUL, though the device cannot carry it out.', changes, {
      expected,
      final: true,
    });
  }
  if (policy === 'ignore' && changes.length > 0) {
    return broken(rule, c, `The device answered it: it is ${String(changes.at(-1)!.to)}.`, changes, {
      expected,
      final: true,
    });
  }
  if (policy === 'fail' && !ended) {
    return broken(rule, c, `It is ${String(changes.at(-1)?.to ?? 'PENDING')}.`, changes, { expected });
  }
  return pass(rule, changes);
}

/** after the operation was created, the device sent 501 then the terminal status on the topic, each exactly once */
export function answeredInOrder(c: Ctx, op: OperationRef, topic: string, terminal: 502 | 503): Verdict {
  const rule = ruleFor(c, op);
  const since = created(c, op)?.seq ?? 0;
  const pubs = devicePackets(c.events, c.deviceId, 'publish', 'in').filter((e) => e.seq > since);
  const steps = [new RegExp(`^501,${op.fragment}$`), new RegExp(`^${terminal},${op.fragment}(,|$)`)];
  const filters: EventFilter[] = steps.map((line) => ({
    where: (e) => topicOf(e) === topic && parsePayload(payloadOf(e)).some((l) => line.test(l.text)),
  }));
  const want = `501,${op.fragment} then ${terminal},${op.fragment} on ${topic}, in order, once each.`;
  const order = inOrder(pubs, filters);
  if (!order.ok) {
    const wrong = wrongAnswer(c, op);
    return broken(
      rule,
      c,
      wrong?.why ?? `Step ${order.brokenAt! + 1} (${order.brokenAt === 0 ? '501' : terminal}) never came.`,
      [...pubs, ...(wrong?.events ?? [])],
      { expected: want, final: !!wrong },
    );
  }
  for (const [i, f] of filters.entries()) {
    const n = pubs.filter((e) => f.where!(e)).length;
    if (n !== 1)
      return broken(rule, c, `${i === 0 ? '501' : terminal} came ${n} times.`, pubs, { expected: want, final: true });
  }
  return pass(rule, pubs);
}

/** the operation reached the device as this line on s/ds (a self-check of the lab) */
export function receivedAs(c: Ctx, line: string): Verdict {
  const want = JSON.stringify(parseLine(line).fields);
  const got = devicePackets(c.events, c.deviceId, 'publish', 'out').filter((e) => topicOf(e) === 's/ds');
  const hit = got.find((e) => JSON.stringify(parseLine(payloadOf(e)).fields) === want);
  if (hit) return pass('platform.behaviour', [hit]);
  return broken('platform.behaviour', c, `The device got ${got.length} line(s) on s/ds.`, got, {
    expected: `the line ${JSON.stringify(line)} on the device's s/ds.`,
  });
}

export const PASSIVE: PassiveRule[] = [
  decidedRule('operations.answered-twice'),
  decidedRule('operations.status-topic'),
  decidedRule('operations.no-matching'),
];
