// Profiles: bad ones fail with errors that name the file and field; good ones drive a console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { expand, loadProfile, ProfileError, validateProfile } from './profile.ts';
import { LineConsole } from './console.ts';
import { ProfileDevice } from './profile-device.ts';
import { TrafficRecord } from '../record/record.ts';

const fixtures = new URL('../../fixtures/devices/', import.meta.url).pathname;
const minimal = () =>
  YAML.parse(`name: x
actions:
  reset: { send: r, expect: ^R }
  configure: { send: c }
  connect: { send: c, expect: ^C }
  disconnect: { send: d }
  publish: { send: "p {topic} {payload:json}" }
  linkDown: { send: l0 }
  linkUp: { send: l1 }`);

test('the shipped profiles load', () => {
  for (const f of ['emulated.yaml', 'example-board.yaml']) {
    const p = loadProfile(join(fixtures, f));
    assert.ok(p.name.length > 0);
    assert.ok(p.actions.connect!.length >= 1);
  }
  assert.equal(loadProfile(join(fixtures, 'example-board.yaml')).console.newline, '\r\n');
});

test('bad profiles get one clear error naming the file and the field', () => {
  const cases: [string, (d: Record<string, any>) => void, RegExp][] = [
    [
      'missing name',
      (d) => {
        delete d.name;
      },
      /p\.yaml: name: missing/,
    ],
    [
      'unknown top field',
      (d) => {
        d.acitons = {};
      },
      /p\.yaml: acitons: unknown field/,
    ],
    [
      'missing action',
      (d) => {
        delete d.actions.connect;
      },
      /p\.yaml: actions\.connect: missing; every profile must say how to connect/,
    ],
    [
      'bad regex',
      (d) => {
        d.actions.connect.expect = '^(CONN';
      },
      /p\.yaml: actions\.connect\.expect: '\^\(CONN' is not a valid regular expression/,
    ],
    [
      'bad duration',
      (d) => {
        d.actions.connect.timeout = 'soon';
      },
      /p\.yaml: actions\.connect\.timeout: 'soon' is not a duration/,
    ],
    [
      'unknown step field',
      (d) => {
        d.actions.reset.expext = 'x';
      },
      /p\.yaml: actions\.reset\.expext: unknown field/,
    ],
    [
      'empty step',
      (d) => {
        d.actions.reset = [{ timeout: '1s' }];
      },
      /p\.yaml: actions\.reset\[0\]: a step needs send, expect or both/,
    ],
    [
      'bad encoding',
      (d) => {
        d.actions.publish.send = 'p {payload:rot13}';
      },
      /p\.yaml: actions\.publish\.send: unknown encoding 'rot13'/,
    ],
    [
      'bad baud rate',
      (d) => {
        d.console = { baudRate: 'fast' };
      },
      /p\.yaml: console\.baudRate: 'fast' is not a baud rate/,
    ],
    [
      'list as text',
      (d) => {
        d.actions.reset.send = ['a'];
      },
      /p\.yaml: actions\.reset\.send: expected text, found a list/,
    ],
    [
      'process without command',
      (d) => {
        d.process = { args: [] };
      },
      /p\.yaml: process: must be a mapping with command/,
    ],
    [
      'container without image',
      (d) => {
        d.container = { command: [] };
      },
      /p\.yaml: container: must be a mapping with image/,
    ],
    [
      'container command not a list',
      (d) => {
        d.container = { image: 'x', command: 'run' };
      },
      /p\.yaml: container\.command: must be a list/,
    ],
  ];
  for (const [what, change, message] of cases) {
    const d = minimal();
    change(d);
    assert.throws(
      () => validateProfile(d, 'p.yaml'),
      (err: Error) => err instanceof ProfileError && message.test(err.message) && !err.message.includes('\n'),
      what,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-profile-'));
  writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
  assert.throws(() => loadProfile(join(dir, 'broken.yaml')), /broken\.yaml: not valid YAML/);
  assert.throws(
    () => loadProfile(join(dir, 'absent.yaml')),
    /cannot read the device profile .*absent\.yaml: no such file/,
  );
});

test('variables expand with encodings; a missing one names the place and the known ones', () => {
  const vars = { topic: 's/us', payload: '400,e,"a\nb"' };
  assert.equal(expand('p {topic} {payload:json}', vars, 'w'), 'p s/us "400,e,\\"a\\nb\\""');
  assert.equal(expand('{payload:hex}', { payload: 'A,' }, 'w'), '412c');
  assert.equal(expand('{payload:base64}', { payload: 'hi' }, 'w'), 'aGk=');
  // escaped: backslash escapes without quotes; quotes and commas stay as they are
  assert.equal(expand('{text:escaped}', { text: 'a\\b\nc\r\td "q",x' }, 'w'), 'a\\\\b\\nc\\r\\td "q",x');
  assert.equal(expand('{{literal}}', {}, 'w'), '{literal}');
  assert.throws(
    () => expand('set host {host}', { port: '1' }, 'f.yaml: actions.configure[0].send'),
    /f\.yaml: actions\.configure\[0\]\.send: the variable 'host' has no value \(known: port\)/,
  );
});

/** a fake console that answers by a script: a unit-test stand-in for a board */
class ScriptedConsole extends LineConsole {
  readonly sent: string[] = [];
  constructor(private readonly script: [RegExp, string[]][]) {
    super('ACME-1', new TrafficRecord(), 'a scripted console');
  }
  protected async write(line: string): Promise<void> {
    this.sent.push(line);
    const answer = this.script.find(([re]) => re.test(line))?.[1] ?? ['ERROR'];
    setTimeout(() => {
      for (const a of answer) this.receive(a);
    }, 1);
  }
  async close(): Promise<void> {}
}

test('the example board profile drives an AT console: hex payloads, optional steps, failures', async () => {
  const profile = loadProfile(join(fixtures, 'example-board.yaml'));
  const script: [RegExp, string[]][] = [
    [/^AT\+RST$/, ['boot 1.2', '+READY']],
    [/^AT\+MQTTCFG=/, ['OK']],
    [/^AT\+MQTTCONN$/, ['+MQTTCONN: 0']],
    [/^AT\+MQTTPUB=/, ['OK']],
    [/^AT\+CFUN=0$/, ['OK']],
    [/^AT\+CFUN=1$/, ['+CEREG: 1', '+MQTTCONN: 0']],
    [/^AT\+MQTTDISC$/, ['OK']],
  ];
  const console = new ScriptedConsole(script);
  const device = new ProfileDevice('ACME-1', profile, console, undefined);
  await device.reset();
  await device.configure({ host: '127.0.0.1', port: 1883, tenant: 't1', user: 'dev', password: 'pw', qos: 2 });
  await device.connect();
  await device.publish('s/us', '400,c8y_E,"a,b"');
  await device.linkDown();
  await device.linkUp();
  await device.disconnect();
  assert.deepEqual(console.sent, [
    'AT+RST',
    'AT+MQTTCFG="server","127.0.0.1",1883',
    'AT+MQTTCFG="login","t1/dev","pw"',
    'AT+MQTTCFG="client","ACME-1",1,120', // the ClientId defaults to the device identifier
    'AT+MQTTCFG="qos",2', // no CA file given: the cacert step is skipped
    'AT+MQTTCONN',
    `AT+MQTTPUB="s/us","${Buffer.from('400,c8y_E,"a,b"').toString('hex')}"`,
    'AT+CFUN=0',
    'AT+CFUN=1',
    'AT+MQTTDISC',
  ]);

  const refusing = new ScriptedConsole([[/^AT\+MQTTCONN$/, ['+MQTTCONN: ERR,5']]]);
  const d2 = new ProfileDevice('ACME-1', profile, refusing, undefined);
  await assert.rejects(d2.connect(), /ACME-1: connect failed: the device said "\+MQTTCONN: ERR,5"/);
  const silent = new ScriptedConsole([[/^AT\+RST$/, ['boot 1.2']]]);
  const d3 = new ProfileDevice(
    'ACME-1',
    { ...profile, actions: { ...profile.actions, reset: [{ ...profile.actions.reset![0]!, timeoutMs: 50 }] } },
    silent,
    undefined,
  );
  await assert.rejects(
    d3.reset(),
    /no line matching \/\^\\\+READY\/ within 50 ms on a scripted console; the last lines were: "boot 1.2"/,
  );
});

test('a password sent on the console is masked in the record', async () => {
  const profile = loadProfile(join(fixtures, 'example-board.yaml'));
  const console = new ScriptedConsole([[/^AT\+MQTTCFG=/, ['OK']]]);
  const record = new TrafficRecord();
  console.setRecord(record);
  const device = new ProfileDevice('ACME-1', profile, console, record);
  await device.configure({ host: 'h', port: 1, tenant: 't', user: 'u', password: 'hunter2,"x"' });
  assert.ok(
    console.sent.some((l) => l.includes('hunter2')),
    'the device itself gets the password',
  );
  const text = JSON.stringify(record.events());
  assert.ok(!text.includes('hunter2'));
  assert.ok(record.select({ kind: 'console' }).some((e) => e.line === 'AT+MQTTCFG="login","t/u","***"'));
  record.close();
});
