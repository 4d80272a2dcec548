// The conformance checks on hand-made records: each passes on a correct device's traffic and
// fails, quoting the record, on the bug it is there to catch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { TrafficRecord } from '../record/record.ts';
import { clientIdWellFormed, connectClean, lastConnack, noLastWill, publishQos, registeredBeforeSubscribing, seedEscaping, answeredInOrder, subscribedWithQos, type Ctx } from './conformance.ts';
import { CheckFailure } from './excerpt.ts';

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);

/** a device session in a record: CONNECT, CONNACK, then its publishes and subscribes in order */
function session(opts: { clientId?: string; clean?: boolean; will?: boolean; qos?: 0 | 1 | 2; lines?: [string, string][]; subscribeFirst?: boolean; code?: number } = {}): Ctx {
  const r = new TrafficRecord();
  const c = r.openConnection('mqtt');
  c.in(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: opts.clean ?? true, keepalive: 60, clientId: opts.clientId ?? 'SN1',
    ...(opts.will ? { will: { topic: 's/us', payload: Buffer.from('400,x,y'), qos: 0, retain: false } } : {}) }));
  c.out(gen({ cmd: 'connack', returnCode: opts.code ?? 0, sessionPresent: false }));
  let id = 1;
  const sub = () => c.in(gen({ cmd: 'subscribe', messageId: id++, subscriptions: [{ topic: 's/ds', qos: opts.qos ?? 1 }] }));
  if (opts.subscribeFirst) sub();
  for (const [topic, payload] of opts.lines ?? [['s/us', '100']]) {
    c.in(gen({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: opts.qos ?? 1, messageId: (opts.qos ?? 1) > 0 ? id++ : undefined, retain: false, dup: false }));
  }
  if (!opts.subscribeFirst) sub();
  const events = r.events();
  r.close();
  return { events, deviceId: 'SN1', recordPath: '/tmp/example.jsonl' };
}

const fails = (fn: () => void, message: RegExp) => assert.throws(fn, (e: Error) => e instanceof CheckFailure && message.test(e.message) && e.message.includes('Full record: /tmp/example.jsonl') && e.message.includes('The record shows:'));

test('ClientId format', () => {
  for (const id of ['SN1', 'd:SN1', 'd:SN1:tpl']) clientIdWellFormed(session({ clientId: id }));
  fails(() => clientIdWellFormed(session({ clientId: 'c8y:SN1' })), /a ClientId of the form \[d:\]SN1\[:<template>\], got 'c8y:SN1'/);
});

test('CONNACK, clean session and last will', () => {
  lastConnack(session(), 0);
  fails(() => lastConnack(session({ code: 2 }), 0), /CONNACK 0 for the device's latest connection, got CONNACK 2/);
  connectClean(session({ clean: false }), false);
  fails(() => connectClean(session({ clean: true }), false), /clean session 0/);
  noLastWill(session());
  noLastWill(session({ will: true }));
  noLastWill({ ...session(), strict: true });
  fails(() => noLastWill({ ...session({ will: true }), strict: true }), /no last will in the device's CONNECT in a strict run \(rule connect.last-will/);
});

test('QoS up and subscriptions', () => {
  publishQos(session({ qos: 2 }), 2);
  fails(() => publishQos(session({ qos: 0 }), 1), /every PUBLISH from the device at QoS 1; 1 of 1 were not/);
  subscribedWithQos(session({ qos: 1 }), 's/ds', 1);
  fails(() => subscribedWithQos(session({ qos: 0 }), 's/ds', 1), /a SUBSCRIBE to s\/ds with QoS 1/);
});

test('registration before subscription', () => {
  registeredBeforeSubscribing(session());
  fails(() => registeredBeforeSubscribing(session({ subscribeFirst: true })), /publish 100 on s\/us before it subscribes to s\/ds/);
});

test('escaping by the seed', () => {
  seedEscaping(session({ lines: [['s/us', '400,c8y_E,"a,b \\"c\\""']] }));
  fails(() => seedEscaping(session({ lines: [['s/us', '400,c8y_E,"say ""hi"""']] })), /has doubled-quote at character 16/);
  fails(() => seedEscaping(session({ lines: [['s/us', '400,c8y_E,say "hi"']] })), /has needs-quotes/);
  // a backslash before an ordinary character and unquoted whitespace are warnings: they fail only a strict run
  const soft = session({ lines: [['s/us', '400,c8y_E,"C:\\temp \\q"\n400,c8y_E, padded ']] });
  seedEscaping(soft);
  fails(() => seedEscaping({ ...soft, strict: true }), /rule escaping\.(stray-backslash|unquoted-whitespace)/);
});

test('operation answers in order, exactly once, on the right topic', () => {
  const steps = [{ topic: 's/us/C1', line: /^501,c8y_Restart$/ }, { topic: 's/us/C1', line: /^503,c8y_Restart(,|$)/ }];
  answeredInOrder(session({ lines: [['s/us/C1', '501,c8y_Restart'], ['s/us/C1', '503,c8y_Restart']] }), steps, 0);
  fails(() => answeredInOrder(session({ lines: [['s/us', '501,c8y_Restart'], ['s/us', '503,c8y_Restart']] }), steps, 0), /step 1 never came/);
  fails(() => answeredInOrder(session({ lines: [['s/us/C1', '503,c8y_Restart'], ['s/us/C1', '501,c8y_Restart']] }), steps, 0), /step 2 never came/);
  fails(() => answeredInOrder(session({ lines: [['s/us/C1', '501,c8y_Restart'], ['s/us/C1', '501,c8y_Restart'], ['s/us/C1', '503,c8y_Restart']] }), steps, 0), /exactly once, seen 2 times/);
});
