// What the device does about acknowledgements the broker lost: a PUBLISH sent again with DUP (and
// its id on a resumed session), a QoS 2 flow completed after a lost PUBCOMP. A hand-made record
// per way each breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completedAfterLostPubcomp, resentWithDup, unacknowledged } from './qos.ts';
import { brokeRule, DEVICE, RecordBuilder } from './test-record.ts';
import type { Verdict } from './verdict.ts';

const msg = (v: Verdict) => (v.ok ? '' : v.message);
const fin = (v: Verdict) => !v.ok && v.final === true;

/** the device's 501 (id 7) whose PUBACK the broker lost; then a second connection, resumed or not */
function lostPuback(resumed: boolean) {
  const r = new RecordBuilder();
  const c1 = r.connect(DEVICE, { clean: false });
  const original = r.publish(c1, 's/us', '501,c8y_Command', { messageId: 7 });
  const lost = r.decision('packet-lost', { conn: c1, dir: 'out', type: 'puback', messageId: 7 });
  r.add('connection', { action: 'close', conn: c1 });
  const c2 = 'c2';
  r.add('connection', { action: 'open', conn: c2, transport: 'mqtt' });
  r.packet(c2, 'in', 'connect', { clientId: DEVICE, clean: false, keepalive: 60 });
  r.packet(c2, 'out', 'connack', { returnCode: 0, sessionPresent: resumed }, DEVICE);
  return { r, c2, original, lost };
}

test('resent with DUP and its id on a resumed session: passes, quoting the original, the loss and the resend', () => {
  const { r, c2, original, lost } = lostPuback(true);
  const again = r.publish(c2, 's/us', '501,c8y_Command', { messageId: 7, dup: true });
  const v = resentWithDup(r.ctx());
  assert.deepEqual([v.ok, v.evidence.map((e) => e.seq)], [true, [original.seq, lost.seq, again.seq]]);
});

test('resent with DUP 0: qos.resend-dup, final', () => {
  const { r, c2, original, lost } = lostPuback(true);
  const again = r.publish(c2, 's/us', '501,c8y_Command', { messageId: 7, dup: false });
  const v = resentWithDup(r.ctx());
  assert.equal(brokeRule(v, 'qos.resend-dup', [original.seq, lost.seq, again.seq]), undefined);
  assert.equal(fin(v), true);
  assert.match(msg(v), /with DUP 0/);
});

test('resent with DUP but another id on a resumed session: qos.resend-dup; another id on a new session passes', () => {
  const resumed = lostPuback(true);
  resumed.r.publish(resumed.c2, 's/us', '501,c8y_Command', { messageId: 9, dup: true });
  const v = resentWithDup(resumed.r.ctx());
  assert.equal(brokeRule(v, 'qos.resend-dup'), undefined);
  assert.match(msg(v), /as id 9, not 7/);
  const fresh = lostPuback(false);
  fresh.r.publish(fresh.c2, 's/us', '501,c8y_Command', { messageId: 9, dup: true });
  assert.equal(resentWithDup(fresh.r.ctx()).ok, true);
});

test('not resent (yet): qos.resend-dup, not final; another payload or topic does not count as the resend', () => {
  const { r, c2 } = lostPuback(true);
  r.publish(c2, 's/us', '503,c8y_Command', { messageId: 8 });
  r.publish(c2, 's/us/child', '501,c8y_Command', { messageId: 7, dup: true });
  const v = resentWithDup(r.ctx());
  assert.equal(brokeRule(v, 'qos.resend-dup'), undefined);
  assert.equal(fin(v), false);
  assert.match(msg(v), /has not sent it again/);
});

test('no PUBACK lost, or a lost one that answers nothing: the platform is at fault, not the device', () => {
  const r = new RecordBuilder();
  r.connect();
  assert.equal(brokeRule(resentWithDup(r.ctx()), 'platform.behaviour'), undefined);
  r.decision('packet-lost', { conn: 'c1', dir: 'out', type: 'puback', messageId: 3 });
  assert.equal(brokeRule(resentWithDup(r.ctx()), 'platform.behaviour'), undefined);
  const other = new RecordBuilder();
  other.connect();
  other.decision('packet-lost', { conn: 'c1', dir: 'in', type: 'puback', messageId: 3 });
  assert.match(msg(resentWithDup(other.ctx())), /lost no PUBACK/, 'a PUBACK from the device is not one to it');
});

/** the broker's QoS 2 operation (id 4) whose PUBCOMP from the device it lost, then a new connection */
function lostPubcomp() {
  const r = new RecordBuilder();
  const c1 = r.connect(DEVICE, { clean: false });
  r.publish(c1, 's/ds', '511,SN1,ls', { qos: 2, dir: 'out', messageId: 4 });
  r.ack(c1, 'pubrec', 4);
  r.ack(c1, 'pubrel', 4, 'out');
  const first = r.ack(c1, 'pubcomp', 4);
  const lost = r.decision('packet-lost', { conn: c1, dir: 'in', type: 'pubcomp' });
  r.add('connection', { action: 'close', conn: c1 });
  const c2 = r.connect(DEVICE, { clean: false });
  return { r, c2, first, lost };
}

test('lost PUBCOMP: PUBREL again, answered by PUBCOMP on that connection: passes with the four packets', () => {
  const { r, c2, first, lost } = lostPubcomp();
  const rel = r.ack(c2, 'pubrel', 4, 'out');
  const again = r.ack(c2, 'pubcomp', 4);
  const v = completedAfterLostPubcomp(r.ctx());
  assert.deepEqual([v.ok, v.evidence.map((e) => e.seq)], [true, [first.seq, lost.seq, rel.seq, again.seq]]);
});

test('lost PUBCOMP: the PUBREL sent again unanswered (or for another id): qos.downstream-handshake', () => {
  const { r, c2, first, lost } = lostPubcomp();
  const rel = r.ack(c2, 'pubrel', 4, 'out');
  r.ack(c2, 'pubcomp', 5);
  const v = completedAfterLostPubcomp(r.ctx());
  assert.equal(brokeRule(v, 'qos.downstream-handshake', [first.seq, lost.seq, rel.seq]), undefined);
  assert.match(msg(v), /not answered PUBREL 4/);
});

test('lost PUBCOMP: no PUBREL again is the platform at fault; no loss or no PUBCOMP before it too', () => {
  const { r, c2 } = lostPubcomp();
  r.ack(c2, 'pubrel', 5, 'out');
  assert.match(msg(completedAfterLostPubcomp(r.ctx())), /not sent PUBREL 4 again/);
  assert.equal(brokeRule(completedAfterLostPubcomp(r.ctx()), 'platform.behaviour'), undefined);
  const none = new RecordBuilder();
  none.connect();
  assert.equal(brokeRule(completedAfterLostPubcomp(none.ctx()), 'platform.behaviour'), undefined);
  none.decision('packet-lost', { conn: 'c1', dir: 'in', type: 'pubcomp' });
  assert.match(msg(completedAfterLostPubcomp(none.ctx())), /not in the record/);
});

test('unacknowledged: what the broker sent on the latest connection at QoS 1/2 and the device has not answered', () => {
  const r = new RecordBuilder();
  const c1 = r.connect();
  r.publish(c1, 's/ds', '510,SN1', { dir: 'out', messageId: 1 });
  const c2 = r.connect();
  const acked = r.publish(c2, 's/ds', '510,SN1', { dir: 'out', messageId: 2 });
  r.ack(c2, 'puback', 2);
  const owed = r.publish(c2, 's/ds', '511,SN1,ls', { dir: 'out', messageId: 3 });
  r.publish(c2, 's/ds', '510,SN1', { dir: 'out', qos: 0 });
  const rec = r.publish(c2, 's/ds', '511,SN1,ls', { dir: 'out', qos: 2, messageId: 4 });
  r.ack(c2, 'pubrec', 4);
  assert.deepEqual(
    unacknowledged(r.events, DEVICE).map((e) => e.seq),
    [owed.seq],
    `the one on the older connection, the acknowledged one (#${acked.seq}, #${rec.seq}) and QoS 0 are not owed`,
  );
  assert.deepEqual(unacknowledged(new RecordBuilder().events, DEVICE), [], 'no connection: nothing owed');
});
