// The connect rules over hand-made records: each kept, and broken in each way it can be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientIdWellFormed,
  connackOn,
  lastConnack,
  noLastWill,
  PASSIVE,
  protocolLevel,
  takenOver,
} from './connect.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';

const broke = (v: ReturnType<typeof lastConnack>, rule: string, seqs: number[] = []) =>
  assert.equal(brokeRule(v, rule, seqs), undefined);
const kept = (v: ReturnType<typeof lastConnack>, rule: string) => assert.deepEqual([v.ok, v.rule], [true, rule]);
const passive = (id: string) => PASSIVE.find((r) => r.id === id)!;

test('clientid.format: the three shapes are kept; a wrong type, too many parts or another identifier break it', () => {
  for (const id of ['SN1', 'd:SN1', 'd:SN1:tpl']) {
    const r = new RecordBuilder();
    r.connect(id);
    kept(clientIdWellFormed(r.ctx()), 'clientid.format');
  }
  for (const [id, why] of [
    ['x:SN1', /connection type is 'x'/],
    ['d:SN1:a:b', /4 ':'-separated parts/],
    ['d::SN1', /empty/],
  ] as const) {
    const r = new RecordBuilder();
    r.connect(id);
    const v = clientIdWellFormed(r.ctx());
    broke(v, 'clientid.format', [3]);
    assert.match((v as { message: string }).message, why);
  }
});

test('connect.protocol-level: 3.1 and 3.1.1 are kept; level 5 breaks it', () => {
  for (const level of [3, 4]) {
    const r = new RecordBuilder();
    r.connect('SN1', { protocolVersion: level });
    kept(protocolLevel(r.ctx()), 'connect.protocol-level');
  }
  const r = new RecordBuilder();
  r.connect('SN1', { protocolVersion: 5 });
  broke(protocolLevel(r.ctx()), 'connect.protocol-level', [3]);
});

test('connect.last-will: a will is a warning, a violation only in a strict run', () => {
  const r = new RecordBuilder();
  r.connect('SN1');
  kept(noLastWill(r.ctx()), 'connect.last-will');
  r.connect('SN1', { will: true });
  const v = noLastWill(r.ctx());
  broke(v, 'connect.last-will', [6]);
  assert.equal((v as { severity: string }).severity, 'warning');
  assert.equal((noLastWill(r.ctx({ strict: true })) as { severity: string }).severity, 'violation');
});

test('CONNACK expectations: 0 judges the device (connect.accepted); a refusal judges the lab', () => {
  const ok = new RecordBuilder();
  ok.connect('SN1');
  kept(lastConnack(ok.ctx(), 0), 'connect.accepted');
  broke(lastConnack(ok.ctx(), 4), 'platform.behaviour', [4]);
  const refused = new RecordBuilder();
  refused.connect('SN1', { returnCode: 4 });
  broke(lastConnack(refused.ctx(), 0), 'connect.accepted', [3, 4]);
  kept(lastConnack(refused.ctx(), 4), 'platform.behaviour');
  const none = new RecordBuilder();
  none.add('connection', { action: 'open', conn: 'c1' });
  none.packet('c1', 'in', 'connect', { clientId: 'SN1' });
  assert.match((lastConnack(none.ctx(), 0) as { message: string }).message, /got no CONNACK/);
  kept(connackOn(ok.ctx(), 'c1', 0), 'platform.behaviour');
  broke(connackOn(ok.ctx(), 'c1', 5), 'platform.behaviour');
  broke(connackOn(ok.ctx(), 'c9', 0), 'platform.behaviour');
});

test('takeover: one takeover and the older connection closed', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1');
  r.connect('d:SN1:other');
  broke(takenOver(r.ctx()), 'platform.behaviour');
  r.decision('takeover', { previousConn: c1 });
  broke(takenOver(r.ctx()), 'platform.behaviour');
  r.add('connection', { action: 'close', conn: c1 });
  kept(takenOver(r.ctx()), 'platform.behaviour');
  r.decision('takeover', { previousConn: 'c2' });
  broke(takenOver(r.ctx()), 'platform.behaviour');
});

test('rules the platform decides: credentials, certificate, packet size, protocol errors, keepalive', () => {
  for (const [id, decision] of [
    ['connect.credentials', 'login-refused'],
    ['connect.certificate', 'certificate-refused'],
    ['mqtt.packet-size', 'oversized-packet'],
    ['mqtt.protocol-error', 'client-error'],
    ['mqtt.keepalive', 'keepalive-timeout'],
  ] as const) {
    const r = new RecordBuilder();
    r.connect('SN1');
    kept(passive(id).judge(r.ctx()), id);
    r.decision(decision, { rule: 'other.rule', severity: 'violation' });
    kept(passive(id).judge(r.ctx()), id);
    r.decision(decision, { deviceId: 'SN2', rule: id, severity: 'violation' });
    kept(passive(id).judge(r.ctx()), id);
    const e = r.decision(decision, { rule: id, severity: 'violation', reason: 'because' });
    const v = passive(id).judge(r.ctx());
    broke(v, id, [e.seq]);
    assert.match((v as { message: string }).message, new RegExp(`${decision}: because`));
  }
});

test('format 1 records: the rule follows from the decision, as the rulebook says', () => {
  const r = new RecordBuilder(1);
  r.connect('SN1');
  const e = r.decision('login-refused', { reason: 'bad password' });
  broke(passive('connect.credentials').judge(r.ctx()), 'connect.credentials', [e.seq]);
  const v2 = new RecordBuilder(2);
  v2.connect('SN1');
  v2.decision('client-error', { reason: 'after a refused login' });
  kept(passive('mqtt.protocol-error').judge(v2.ctx()), 'mqtt.protocol-error');
});
