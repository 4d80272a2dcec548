// The connect and QoS rules, judged to the letter: which events a verdict quotes, and what its failure
// message says the rule requires and the device did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientIdWellFormed, connackOn, lastConnack, noLastWill, protocolLevel, takenOver } from './connect.ts';
import { downstreamHandshake, downstreamQos, publishQos, qosAsConfigured, subscribedWithQos } from './qos.ts';
import { RecordBuilder } from './test-record.ts';
import type { RecordEvent } from '../record/events.ts';
import type { Verdict } from './verdict.ts';

const seqs = (v: Verdict) => v.evidence.map((e) => e.seq);
const of = (...events: RecordEvent[]) => events.map((e) => e.seq);

/** a passing verdict under the rule, quoting exactly these events */
function kept(v: Verdict, rule: string, evidence: number[]): void {
  assert.deepEqual([v.ok, v.rule, v.ok && v.applicable], [true, rule, true]);
  assert.deepEqual(seqs(v), evidence);
}

function notApplicable(v: Verdict, rule: string): void {
  assert.deepEqual([v.ok, v.rule, v.ok && v.applicable, seqs(v)], [true, rule, false, []]);
}

/**
 * a failing verdict under the rule at that severity, whose message says what the rule requires
 * (its first line) and what the device did (its second), quoting exactly these events
 */
function broke(v: Verdict, head: string, did: string, evidence: number[]): void {
  assert.equal(v.ok, false, `expected a broken rule, it passed: ${JSON.stringify(v)}`);
  if (v.ok) return;
  const [first, second] = v.message.split('\n');
  assert.equal(first, head);
  assert.equal(second, did);
  assert.deepEqual(seqs(v), evidence);
  if (evidence.length === 0) assert.match(v.message, /\n {2}\(nothing relevant in the record\)\n/);
}

const QOS = '[qos.as-configured, violation]';
const HANDSHAKE = '[qos.downstream-handshake, violation] The device completes the handshake of every message it '
  + 'receives: PUBACK for QoS 1; PUBREC, then PUBCOMP for QoS 2.';
const CLIENTID = '[clientid.format, violation] The ClientId is [d:]deviceIdentifier[:defaultTemplateId], '
  + 'with a non-empty device identifier.';

// --- qos.as-configured: what the device publishes ---

test('publishQos kept: quotes the latest three PUBLISHes of the device, not all of them', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pubs = [1, 2, 3, 4].map((i) => r.publish(c, 's/us', `200,c8y_T,T,${i}`, { qos: 1, messageId: i }));
  kept(publishQos(r.ctx(), 1), 'qos.as-configured', of(...pubs.slice(1)));
});

test('publishQos broken by some PUBLISHes at another QoS: counts them and quotes only those', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pubs = [1, 2, 1, 0].map((qos) => r.publish(c, 's/us', '400,c8y_E,x', { qos }));
  broke(
    publishQos(r.ctx(), 1),
    `${QOS} every PUBLISH from the device at QoS 1, as configured.`,
    '2 of its 4 PUBLISHes have another QoS.',
    of(pubs[1]!, pubs[3]!),
  );
});

test('publishQos broken when the device published nothing: says so and quotes nothing', () => {
  const r = new RecordBuilder();
  r.connect();
  broke(publishQos(r.ctx(), 2), `${QOS} every PUBLISH from the device at QoS 2, as configured.`,
    'The device published nothing.', []);
});

// --- qos.as-configured: what the device subscribes with ---

test('subscribedWithQos broken when one of two subscriptions to the topic has another QoS: lists both', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const a = r.subscribe(c, [['s/ds', 1], ['s/e', 0]], 1);
  const b = r.subscribe(c, [['s/ds', 2]], 2);
  broke(
    subscribedWithQos(r.ctx(), 's/ds', 1),
    `${QOS} a SUBSCRIBE to s/ds with QoS 1, as configured.`,
    'It subscribed to s/ds with QoS 1, 2.',
    of(a, b),
  );
  kept(subscribedWithQos(r.ctx(), 's/e', 0), 'qos.as-configured', of(a, b));
});

test('subscribedWithQos broken when the device never subscribed to the topic: names the topic', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const a = r.subscribe(c, [['s/e', 0]]);
  broke(
    subscribedWithQos(r.ctx(), 's/ds', 1),
    `${QOS} a SUBSCRIBE to s/ds with QoS 1, as configured.`,
    'The device never subscribed to s/ds.',
    of(a),
  );
});

test('qosAsConfigured kept when the device never subscribed to s/ds: only its PUBLISHes are judged', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p = r.publish(c, 's/us', '100', { qos: 1 });
  r.subscribe(c, [['s/e', 0]]);
  r.packet(c, 'in', 'subscribe', { messageId: 2 });
  kept(qosAsConfigured(r.ctx({ expect: { qos: 1 } })), 'qos.as-configured', of(p));
});

test('qosAsConfigured broken by the s/ds subscription even when another topic in it has the right QoS', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/us', '100', { qos: 1 });
  const s = r.subscribe(c, [['s/e', 1], ['s/ds', 0]]);
  broke(
    qosAsConfigured(r.ctx({ expect: { qos: 1 } })),
    `${QOS} a SUBSCRIBE to s/ds with QoS 1, as configured.`,
    'It subscribed to s/ds with QoS 0.',
    of(s),
  );
});

// --- qos.downstream-handshake over the whole record ---

test('downstreamHandshake kept: quotes the latest three messages the device acknowledged', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pubs = [1, 2, 3, 4].map((id) => {
    const p = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: id });
    r.ack(c, 'puback', id);
    return p;
  });
  r.disconnect(c);
  kept(downstreamHandshake(r.ctx()), 'qos.downstream-handshake', of(...pubs.slice(1)));
});

test('downstreamHandshake broken by one QoS 1 message without PUBACK: names it, quotes it and the DISCONNECT', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pub = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  const end = r.packet(c, 'in', 'disconnect', {});
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBACK for the QoS 1 message 3 on s/ds.', of(pub, end));
});

test('downstreamHandshake broken by a QoS 2 message with no answer: both PUBREC and PUBCOMP are owed', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pub = r.publish(c, 's/dc/x', '{}', { qos: 2, dir: 'out', messageId: 9 });
  const end = r.packet(c, 'in', 'disconnect', {});
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBREC and PUBCOMP for the QoS 2 message 9 on s/dc/x.', of(pub, end));
});

test('downstreamHandshake broken by three unanswered messages: names the first, counts and quotes the others', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const p1 = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 1 });
  const p2 = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 2 });
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  r.ack(c, 'puback', 3);
  const p4 = r.publish(c, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 4 });
  const end = r.packet(c, 'in', 'disconnect', {});
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBACK for the QoS 1 message 1 on s/ds (and 2 more).',
    of(p1, end, p2, p4));
});

test('downstreamHandshake: a PUBACK sent on another connection of the device does not answer the message', () => {
  const r = new RecordBuilder();
  const c1 = r.connect();
  const pub = r.publish(c1, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  const c2 = r.connect('d:SN1');
  r.ack(c2, 'puback', 3);
  const end = r.packet(c1, 'in', 'disconnect', {});
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBACK for the QoS 1 message 3 on s/ds.', of(pub, end));
});

test('downstreamHandshake: the PUBACK of an earlier message with the same id does not answer a later one', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  r.ack(c, 'puback', 3);
  const again = r.publish(c, 's/ds', '511,SN1,x', { qos: 1, dir: 'out', messageId: 3 });
  const end = r.packet(c, 'in', 'disconnect', {});
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBACK for the QoS 1 message 3 on s/ds.', of(again, end));
});

test('downstreamHandshake: a PUBACK recorded after the DISCONNECT comes too late', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const pub = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  const end = r.packet(c, 'in', 'disconnect', {});
  r.ack(c, 'puback', 3);
  r.add('connection', { action: 'close', conn: c });
  broke(downstreamHandshake(r.ctx()), HANDSHAKE,
    'The device left the connection without PUBACK for the QoS 1 message 3 on s/ds.', of(pub, end));
});

test('downstreamHandshake: a dropped connection owes nothing though the device later DISCONNECTs another one', () => {
  const r = new RecordBuilder();
  const c1 = r.connect();
  r.publish(c1, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  r.add('connection', { action: 'close', conn: c1 });
  const c2 = r.connect();
  r.disconnect(c2);
  notApplicable(downstreamHandshake(r.ctx()), 'qos.downstream-handshake');
});

test('downstreamHandshake: a message the broker sends after the DISCONNECT is not owed', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.packet(c, 'in', 'disconnect', {});
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  r.add('connection', { action: 'close', conn: c });
  notApplicable(downstreamHandshake(r.ctx()), 'qos.downstream-handshake');
});

// --- downstreamQos: one topic, its latest message ---

test('downstreamQos broken when nothing was sent on the topic: names the topic and the QoS subscribed with', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out' });
  broke(
    downstreamQos(r.ctx(), 's/e', 1),
    `${QOS} a PUBLISH on s/e to the device at QoS 1, the QoS it subscribed with.`,
    'Nothing was sent on s/e.',
    [],
  );
});

test('downstreamQos broken when the latest message went at another QoS: says which, quotes the topic traffic', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const a = r.publish(c, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 1 });
  r.publish(c, 's/e', '40,x', { qos: 1, dir: 'out', messageId: 2 });
  const b = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 3 });
  broke(
    downstreamQos(r.ctx(), 's/ds', 2),
    `${QOS} a PUBLISH on s/ds to the device at QoS 2, the QoS it subscribed with.`,
    'The latest one went at QoS 1.',
    of(a, b),
  );
});

test('downstreamQos kept: quotes the latest message on the topic alone', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 1 });
  r.ack(c, 'puback', 1);
  const last = r.publish(c, 's/ds', '510,SN1', { qos: 1, dir: 'out', messageId: 2 });
  r.ack(c, 'puback', 2);
  kept(downstreamQos(r.ctx(), 's/ds', 1), 'qos.downstream-handshake', of(last));
});

test('downstreamQos broken by a missing PUBCOMP: quotes the message and the later packets with its id only', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  r.publish(c, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 5 });
  r.ack(c, 'pubrec', 5);
  r.ack(c, 'pubrel', 5, 'out');
  r.ack(c, 'pubcomp', 5);
  const last = r.publish(c, 's/ds', '511,SN1,x', { qos: 2, dir: 'out', messageId: 5 });
  const rec = r.ack(c, 'pubrec', 5);
  r.publish(c, 's/us', '100', { qos: 1, messageId: 9 });
  r.publish(c, 's/us', '200,c8y_T,T,1', { qos: 0 });
  const rel = r.ack(c, 'pubrel', 5, 'out');
  broke(downstreamQos(r.ctx(), 's/ds', 2), HANDSHAKE, 'The device has not sent PUBCOMP for message 5.',
    of(last, rec, rel));
});

test('downstreamQos broken by a QoS 2 message with no answer at all: both PUBREC and PUBCOMP are owed', () => {
  const r = new RecordBuilder();
  const c = r.connect();
  const last = r.publish(c, 's/ds', '510,SN1', { qos: 2, dir: 'out', messageId: 6 });
  broke(downstreamQos(r.ctx(), 's/ds', 2), HANDSHAKE, 'The device has not sent PUBREC and PUBCOMP for message 6.',
    of(last));
});

// --- clientid.format, connect.protocol-level, connect.last-will ---

test('clientid.format kept: quotes every CONNECT of the device', () => {
  const r = new RecordBuilder();
  r.connect('SN1');
  r.connect('d:SN1:tpl');
  kept(clientIdWellFormed(r.ctx()), 'clientid.format', [3, 6]);
});

test('clientid.format broken by a well-formed ClientId naming another device: says which device it names', () => {
  const r = new RecordBuilder();
  r.connect('SN1');
  r.connect('d:SN2:SN1');
  broke(clientIdWellFormed(r.ctx()), CLIENTID,
    "The device connected with the ClientId 'd:SN2:SN1' (it names 'SN2', not 'SN1').", [6]);
});

test('clientid.format broken by a malformed ClientId: quotes it and why it is malformed', () => {
  const r = new RecordBuilder();
  r.connect('x:SN1');
  broke(clientIdWellFormed(r.ctx()), CLIENTID,
    "The device connected with the ClientId 'x:SN1' (the connection type is 'x'; only 'd' (device) is accepted).", [3]);
});

test('clientid.format broken by a CONNECT without a ClientId on the device connection: an empty ClientId', () => {
  const r = new RecordBuilder();
  const c = r.connect('SN1');
  const again = r.packet(c, 'in', 'connect', { clean: true, keepalive: 60, protocolVersion: 4 });
  broke(clientIdWellFormed(r.ctx()), CLIENTID,
    "The device connected with the ClientId '' (the ClientId is empty).", of(again));
});

test('connect.protocol-level: an unstated level counts as 3.1.1; level 5 is named and only its CONNECT quoted', () => {
  const r = new RecordBuilder();
  const c = r.connect('SN1');
  r.packet(c, 'in', 'connect', { clientId: 'SN1' });
  kept(protocolLevel(r.ctx()), 'connect.protocol-level', [3, 5]);
  r.connect('SN1', { protocolVersion: 5 });
  broke(protocolLevel(r.ctx()), '[connect.protocol-level, violation] The device speaks MQTT 3.1.1 (or 3.1).',
    'The device connected with MQTT protocol level 5.', [7]);
});

test('connect.last-will: counts the CONNECTs with a will and quotes them only', () => {
  const r = new RecordBuilder();
  r.connect('SN1', { will: true });
  r.connect('SN1');
  r.connect('SN1', { will: true });
  broke(noLastWill(r.ctx()),
    '[connect.last-will, warning] The device does not rely on a last will: Cumulocity never publishes it.',
    '2 CONNECT(s) of the device carry a last will.', [3, 9]);
});

// --- CONNACKs ---

test('lastConnack kept: quotes the CONNACK of the latest connection alone', () => {
  const r = new RecordBuilder();
  r.connect('SN1', { returnCode: 5 });
  r.connect('SN1', { returnCode: 3 });
  r.connect('SN1');
  kept(lastConnack(r.ctx(), 0), 'connect.accepted', [10]);
});

test('lastConnack broken: quotes the device CONNECTs, CONNACKs and decisions naming it, in record order', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1'); // 2 open, 3 CONNECT, 4 CONNACK
  r.publish(c1, 's/us', '100'); // 5
  r.decision('connection-accepted', { conn: c1, clientId: 'SN1' }); // 6
  r.decision('retain-ignored', { conn: c1 }); // 7: no ClientId
  r.decision('connection-accepted', { deviceId: 'SN2', clientId: 'SN2' }); // 8
  r.connect('SN2'); // 9 open, 10 CONNECT, 11 CONNACK
  const c3 = r.connect('d:SN1:tpl', { returnCode: 5 }); // 12 open, 13 CONNECT, 14 CONNACK
  r.decision('login-refused', { conn: c3, clientId: 'd:SN1:tpl', rule: 'connect.credentials' }); // 15
  r.add('connection', { action: 'close', conn: c3 }); // 16
  broke(
    lastConnack(r.ctx(), 0),
    "[connect.accepted, violation] CONNACK 0 for the device's latest connection.",
    "The device's latest connection got CONNACK 5.",
    [3, 4, 6, 13, 14, 15],
  );
});

test('lastConnack broken when the latest connection got no CONNACK: says so, judged as a lab expectation', () => {
  const r = new RecordBuilder();
  r.add('connection', { action: 'open', conn: 'c1' });
  r.packet('c1', 'in', 'connect', { clientId: 'SN1' });
  broke(
    lastConnack(r.ctx(), 4),
    "[platform.behaviour, info] CONNACK 4 for the device's latest connection.",
    "The device's latest connection got no CONNACK.",
    [3],
  );
});

test('connackOn kept: quotes the CONNACK on that connection alone', () => {
  const r = new RecordBuilder();
  r.connect('helper');
  kept(connackOn(r.ctx(), 'c1', 0), 'platform.behaviour', [4]);
});

test('connackOn broken by another return code, or by no CONNACK: names the connection and the code', () => {
  const r = new RecordBuilder();
  r.connect('helper');
  r.connect('SN1');
  broke(connackOn(r.ctx(), 'c1', 5), '[platform.behaviour, info] CONNACK 5 on c1.', 'Connection c1 got CONNACK 0.',
    [2, 3, 4]);
  broke(connackOn(r.ctx(), 'c9', 0), '[platform.behaviour, info] CONNACK 0 on c9.', 'Connection c9 got no CONNACK.',
    []);
});

// --- takeover ---

const TAKEOVER = "[platform.behaviour, info] one takeover of device 'SN1', and the older connection closed.";

test('takenOver kept: quotes the takeover and the close of the older connection', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1');
  r.connect('d:SN1:other');
  const t = r.decision('takeover', { previousConn: c1 });
  const closed = r.add('connection', { action: 'close', conn: c1 });
  kept(takenOver(r.ctx()), 'platform.behaviour', of(t, closed));
});

test('takenOver broken without a takeover of the device: counts none, quotes the decisions once each', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1');
  const other = r.decision('takeover', { deviceId: 'SN2', previousConn: 'c7' });
  const accepted = r.decision('connection-accepted', { conn: c1 });
  broke(takenOver(r.ctx()), TAKEOVER, 'The record has 0 takeovers of the device.', of(other, accepted));
});

test('takenOver broken when the older connection stays open: names it, quotes the decisions once each', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1');
  const c2 = r.connect('d:SN1:other');
  const t = r.decision('takeover', { conn: c2, previousConn: c1 });
  const accepted = r.decision('connection-accepted', { conn: c2 });
  broke(takenOver(r.ctx()), TAKEOVER, 'The older connection c1 is still open.', of(t, accepted));
});

test('takenOver broken by two takeovers, though the first closed its older connection: counts them', () => {
  const r = new RecordBuilder();
  const c1 = r.connect('SN1');
  const c2 = r.connect('SN1');
  const t1 = r.decision('takeover', { previousConn: c1 });
  r.add('connection', { action: 'close', conn: c1 });
  const t2 = r.decision('takeover', { previousConn: c2 });
  broke(takenOver(r.ctx()), TAKEOVER, 'The record has 2 takeovers of the device.', of(t1, t2));
});
