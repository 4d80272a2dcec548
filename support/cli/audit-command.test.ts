// c8y-hil audit over a record that c8y-hil broker wrote while a paho client (Debian's
// python3-paho-mqtt, a client nobody here wrote) ran on its own: exactly the rules it broke, with
// their evidence; none for the same client done right; exit 2 for what is not a record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/c8y-hil.mjs', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const pahoMissing = spawnSync(PYTHON, ['-c', 'import paho.mqtt.client'], { encoding: 'utf8' }).status === 0
  ? false : 'python3-paho-mqtt is not installed (apt-get install python3-paho-mqtt)';

/** a paho client: connect, then each step in order ("pub TOPIC PAYLOAD" or "sub TOPIC"), waiting for each ack */
const CLIENT = `
import json, sys, threading
import paho.mqtt.client as mqtt
port, client_id, steps = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
done = threading.Event()
c = mqtt.Client(client_id=client_id, clean_session=True)
c.username_pw_set("t1/u", "p")
c.on_subscribe = lambda *a: done.set()
c.connect("127.0.0.1", port)
c.loop_start()
for kind, topic, payload in steps:
    done.clear()
    if kind == "pub":
        c.publish(topic, payload, qos=1).wait_for_publish(5)
    else:
        c.subscribe(topic, qos=1)
        done.wait(5)
c.disconnect()
c.loop_stop()
`;

async function recordOf(steps: [string, string, string][]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-audit-'));
  const record = join(dir, 'paho.jsonl');
  const script = join(dir, 'client.py');
  writeFileSync(script, CLIENT);
  const broker = spawn(process.execPath, [BIN, 'broker', '--credentials', 't1/u:p', '--record', record, '--api-port', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await new Promise<{ mqtt: number }>((resolve, reject) => {
    createInterface({ input: broker.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
    broker.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  const client = spawnSync(PYTHON, [script, String(ready.mqtt), 'PAHO-1', JSON.stringify(steps)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(client.status, 0, client.stderr);
  const exited = new Promise((r) => broker.once('exit', r));
  broker.kill('SIGTERM');
  await exited;
  return record;
}

const audit = (...args: string[]) => spawnSync(process.execPath, [BIN, 'audit', ...args], { encoding: 'utf8' });

test('a paho client that sends "" escaping and subscribes to s/us: exit 1, exactly those two rules, with evidence', { skip: pahoMissing }, async () => {
  const record = await recordOf([['pub', 's/us', '100'], ['pub', 's/us', '400,c8y_E,"say ""hi"""'], ['sub', 's/us', '']]);
  const res = audit(record, '--json');
  assert.equal(res.status, 1, res.stderr);
  const out = JSON.parse(res.stdout) as { violations: number; records: { devices: { deviceId: string; violations: { rule: string; evidence: { text: string }[] }[] }[] }[] };
  const device = out.records[0]!.devices.find((d) => d.deviceId === 'PAHO-1')!;
  assert.deepEqual(device.violations.map((v) => v.rule).sort(), ['escaping.doubled-quote', 'topics.subscribe-publish-topic']);
  const evidence = (rule: string) => device.violations.find((v) => v.rule === rule)!.evidence.map((e) => e.text).join('\n');
  assert.match(evidence('escaping.doubled-quote'), /PUBLISH on s\/us .*say .*\[doubled-quote/);
  assert.match(evidence('topics.subscribe-publish-topic'), /SUBSCRIBE .*s\/us \(QoS 1\)/);
  const table = audit(record);
  assert.equal(table.status, 1);
  assert.match(table.stdout, /escaping\.doubled-quote\s+VIOLATION/);
  assert.match(table.stdout, /2 violation\(s\) in 1 record/);
});

test('the same client done right: exit 0', { skip: pahoMissing }, async () => {
  const record = await recordOf([['pub', 's/us', '100'], ['pub', 's/us', '400,c8y_E,"say \\"hi\\""'], ['sub', 's/ds', '']]);
  const res = audit(record);
  assert.equal(res.status, 0, res.stdout);
  assert.match(res.stdout, /Audit of device 'PAHO-1': 0 violation\(s\)/);
});

test('what is not a record, or no record at all: one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-audit-'));
  const text = join(dir, 'notes.jsonl');
  writeFileSync(text, '{"hello":1}\n');
  for (const args of [[text], [join(dir, 'missing.jsonl')], [dir, '--nope'], [], [mkdtempSync(join(tmpdir(), 'c8y-hil-empty-'))]]) {
    const res = audit(...args);
    assert.equal(res.status, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  }
});
