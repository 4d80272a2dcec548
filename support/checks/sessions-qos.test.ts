// The session and QoS rules over hand-made records: each kept, and broken in each way it can be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanAsConfigured, cleanSession1 } from './sessions.ts';
import { downstreamHandshake, downstreamQos, publishQos, qosAsConfigured, subscribedWithQos } from './qos.ts';
import { brokeRule, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const broke = (v: Verdict, rule: string, seqs: number[] = []) => assert.equal(brokeRule(v, rule, seqs), undefined);
const kept = (v: Verdict, rule: string, applicable = true) =>
  assert.deepEqual([v.ok, v.rule, v.ok && v.applicable], [true, rule, applicable]);

test('sessions: clean session 0 is a warning; the flag must be as configured', () => {
  const r = new RecordBuilder();
  r.connect('SN1', { clean: true });
  kept(cleanSession1(r.ctx()), 'sessions.clean-session-0');
  kept(cleanAsConfigured(r.ctx()), 'sessions.clean-as-configured', false);
  kept(cleanAsConfigured(r.ctx({ expect: { clean: true } })), 'sessions.clean-as-configured');
  broke(cleanAsConfigured(r.ctx({ expect: { clean: false } })), 'sessions.clean-as-configured', [3]);
  const persistent = new RecordBuilder();
  persistent.connect('SN1', { clean: false });
  const v = cleanSession1(persistent.ctx());
  broke(v, 'sessions.clean-session-0', [3]);
  assert.equal((v as { severity: string }).severity, 'warning');
  kept(cleanAsConfigured(persistent.ctx(), false), 'sessions.clean-as-configured');
  broke(cleanAsConfigured(persistent.ctx(), true), 'sessions.clean-as-configured', [3]);
  kept(cleanAsConfigured(new RecordBuilder().ctx({ expect: { clean: true } })), 'sessions.clean-as-configured', false);
});

test('qos.as-configured: every PUBLISH and the s/ds subscription at the configured QoS', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '100', { qos: 2 });
  r.subscribe(c, [
    ['s/ds', 2],
    ['s/e', 0],
  ]);
  kept(publishQos(r.ctx(), 2), 'qos.as-configured');
  kept(subscribedWithQos(r.ctx(), 's/ds', 2), 'qos.as-configured');
  kept(qosAsConfigured(r.ctx({ expect: { qos: 2 } })), 'qos.as-configured');
  kept(qosAsConfigured(r.ctx()), 'qos.as-configured', false);
  broke(publishQos(r.ctx(), 1), 'qos.as-configured', [5]);
  broke(subscribedWithQos(r.ctx(), 's/ds', 1), 'qos.as-configured', [6]);
  broke(subscribedWithQos(r.ctx(), 's/dc/x', 2), 'qos.as-configured');
  broke(qosAsConfigured(r.ctx({ expect: { qos: 1 } })), 'qos.as-configured', [5]);
  const mixed = new RecordBuilder();
  const m = mixed.connect();
  mixed.publish(m, 's/us', '100', { qos: 1 });
  mixed.subscribe(m, [['s/ds', 0]]);
  broke(qosAsConfigured(mixed.ctx({ expect: { qos: 1 } })), 'qos.as-configured', [6]);
  const silent = new RecordBuilder();
  silent.connect();
  assert.match((publishQos(silent.ctx(), 1) as { message: string }).message, /published nothing/);
  kept(qosAsConfigured(silent.ctx({ expect: { qos: 1 } })), 'qos.as-configured', false);
});

test('qos.downstream-handshake: every QoS 1/2 message acknowledged before the device leaves; a dropped link owes nothing', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 7 });
  r.ack(c, 'puback', 7);
  r.publish(c, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 8 });
  r.ack(c, 'pubrec', 8);
  r.ack(c, 'pubrel', 8, 'out');
  r.ack(c, 'pubcomp', 8);
  r.disconnect(c);
  kept(downstreamHandshake(r.ctx()), 'qos.downstream-handshake');
  kept(downstreamQos(r.ctx(), 's/ds', 2), 'qos.downstream-handshake');

  const noPuback = new RecordBuilder();
  const n = noPuback.connect();
  const pub = noPuback.publish(n, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  noPuback.ack(n, 'puback', 4);
  const end = noPuback.disconnect(n);
  broke(downstreamHandshake(noPuback.ctx()), 'qos.downstream-handshake', [pub.seq, end.seq - 1]);
  broke(downstreamQos(noPuback.ctx(), 's/ds', 1), 'qos.downstream-handshake', [pub.seq]);
  broke(downstreamQos(noPuback.ctx(), 's/ds', 2), 'qos.as-configured', [pub.seq]);
  broke(downstreamQos(noPuback.ctx(), 's/e', 1), 'qos.as-configured');

  const noPubcomp = new RecordBuilder();
  const q = noPubcomp.connect();
  noPubcomp.publish(q, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 5 });
  noPubcomp.ack(q, 'pubrec', 5);
  noPubcomp.disconnect(q);
  assert.match(
    (downstreamHandshake(noPubcomp.ctx()) as { message: string }).message,
    /without PUBCOMP for the QoS 2 message 5/,
  );

  const dropped = new RecordBuilder();
  const d = dropped.connect();
  dropped.publish(d, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  dropped.add('connection', { action: 'close', conn: d });
  kept(downstreamHandshake(dropped.ctx()), 'qos.downstream-handshake', false);
  const qos0 = new RecordBuilder();
  const z = qos0.connect();
  qos0.publish(z, 's/ds', '510,SN1', { qos: 0, dir: 'out' });
  qos0.disconnect(z);
  kept(downstreamHandshake(qos0.ctx()), 'qos.downstream-handshake', false);
  kept(downstreamQos(qos0.ctx(), 's/ds', 0), 'qos.downstream-handshake');
});
