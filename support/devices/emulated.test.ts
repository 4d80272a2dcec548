// The serial driver against the emulated reference device over real pseudo-terminals, and proof
// that every fault switch changes what the device puts on the wire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { C8yBroker } from '../broker/broker.ts';
import { TRANSPORTS, type Transport } from '../broker/options.ts';
import { Platform } from '../broker/platform/platform.ts';
import { parseLine } from '../smartrest/codec.ts';
import { FAULTS, type Fault } from '../emulator/faults.ts';
import { loadProfile, validateProfile } from './profile.ts';
import type { ProfileDevice } from './profile-device.ts';
import { EMULATED_PROFILE, socatMissing, startEmulatedDevice } from './emulated.ts';
import { startProcessDevice } from './process-device.ts';

const skip = socatMissing();
const SERIAL = `EMU-${process.pid}`;
const credentials = [{ tenant: 't1', user: 'dev', password: 'pw' }];
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-emu-test-'));
let device: ProfileDevice;
const brokers: C8yBroker[] = [];

before(async () => {
  if (!skip) device = await startEmulatedDevice({ serial: SERIAL, dir });
});
after(async () => {
  await device?.stop();
  for (const b of brokers) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Lab {
  broker: C8yBroker;
  platform: Platform;
}

async function lab(): Promise<Lab> {
  const broker = await C8yBroker.start({ credentials });
  brokers.push(broker);
  writeFileSync(join(dir, 'ca.pem'), broker.tls!.ca);
  return { broker, platform: new Platform(broker) };
}

async function connect(
  l: Lab,
  settings: { transport?: Transport; clean?: boolean; qos?: 0 | 1 | 2 } = {},
  faults: Fault[] = [],
): Promise<void> {
  await device.action('clearFaults');
  for (const f of faults) await device.action('fault', { fault: f, state: 'on' });
  await device.reset();
  const transport = settings.transport ?? 'mqtt';
  await device.configure({
    host: '127.0.0.1',
    port: l.broker.ports[transport]!,
    transport,
    tenant: 't1',
    user: 'dev',
    password: 'pw',
    clean: settings.clean ?? true,
    qos: settings.qos ?? 1,
    ca: join(dir, 'ca.pem'),
  });
  await device.connect();
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const inPublishes = (l: Lab) =>
  l.broker.record
    .select({ kind: 'packet', type: 'publish', dir: 'in' })
    .map((e) => e.packet as { topic: string; payload: string; qos: number });

for (const transport of TRANSPORTS) {
  test(
    `over ${transport}: the emulator registers, answers an operation with 501 then 503, and publishes raw lines`,
    { skip },
    async () => {
      const l = await lab();
      await connect(l, { transport });
      assert.equal(l.broker.record.select({ decision: 'connection-accepted' })[0]!.clientId, SERIAL);
      assert.equal(l.broker.record.select({ kind: 'connection', action: 'open' })[0]!.transport, transport);
      assert.equal(l.platform.inventory.get(SERIAL)!.type, 'c8y_HilEmulator');
      assert.ok(
        (l.platform.inventory.get(SERIAL)!.fragments.c8y_SupportedOperations as string[]).includes('c8y_Command'),
      );
      const op = await l.platform.createOperation({ device: SERIAL, fragment: 'c8y_Command', params: ['echo "a,b"'] });
      assert.ok(await until(() => op.status === 'SUCCESSFUL', 3000), `operation is ${op.status}`);
      assert.deepEqual(op.result, ['executed: echo "a,b"']);
      await device.publish('s/us', '400,c8y_Raw,"two\nlines, and \\"quotes\\""');
      const raw = () => l.platform.inventory.get(SERIAL)!.events.filter((e) => e.type === 'c8y_Raw');
      assert.ok(await until(() => raw().length === 1, 2000));
      assert.equal(raw()[0]!.text, 'two\nlines, and "quotes"');
      assert.match(await device.readUntil(/^OP 511/, 1000), /echo/);
      await device.disconnect();
    },
  );
}

test(
  'link down and up with clean session 0: an operation made while offline arrives without a new SUBSCRIBE',
  { skip },
  async () => {
    const l = await lab();
    await connect(l, { clean: false, qos: 1 });
    await device.linkDown();
    assert.ok(await until(() => !l.broker.isConnected(SERIAL), 2000));
    const op = await l.platform.createOperation({ device: SERIAL, fragment: 'c8y_Restart' });
    const subscribesBefore = l.broker.record.select({ kind: 'packet', type: 'subscribe' }).length;
    await device.linkUp();
    assert.ok(await until(() => op.status === 'SUCCESSFUL', 3000), `operation is ${op.status}`);
    assert.equal(l.broker.record.select({ kind: 'packet', type: 'subscribe' }).length, subscribesBefore);
    assert.equal(
      (l.broker.record.select({ kind: 'packet', type: 'connack' }).at(-1)!.packet as { sessionPresent: boolean })
        .sessionPresent,
      true,
    );
    await device.disconnect();
  },
);

/** for the first faults: a scenario, and what in the record shows the bug (the fault matrix proves each fault's rules) */
const scenarios: Partial<
  Record<Fault, { run(l: Lab, faults: Fault[]): Promise<void>; visible(l: Lab): boolean | Promise<boolean> }>
> = {
  'malformed-clientid': {
    run: async (l, f) => {
      await connect(l, {}, f).catch(() => {});
    },
    visible: (l) => l.broker.record.select({ decision: 'clientid-rejected' }).length > 0,
  },
  'no-quoting': {
    run: async (l, f) => {
      await connect(l, {}, f);
      await device.action('event', { device: SERIAL, type: 'c8y_Q', text: 'a,b "c"' });
    },
    visible: (l) => {
      const p = inPublishes(l).find((x) => x.payload.startsWith('400,c8y_Q'))!;
      const read = parseLine(p.payload);
      return JSON.stringify(read.fields) !== JSON.stringify(['400', 'c8y_Q', 'a,b "c"']) || read.findings.length > 0;
    },
  },
  'doubled-quotes': {
    run: async (l, f) => {
      await connect(l, {}, f);
      await device.action('event', { device: SERIAL, type: 'c8y_Q', text: 'say "hi"' });
    },
    visible: async (l) => {
      await l.broker.record.eventually({ kind: 'platform', where: (e) => e.change === 'event' }, 2000);
      return l.broker.record
        .select({ decision: 'smartrest-finding' })
        .some((e) => (e.findings as { code: string }[]).some((x) => x.code === 'doubled-quote'));
    },
  },
  qos0: {
    run: async (l, f) => {
      await connect(l, { qos: 1 }, f);
    },
    visible: (l) =>
      inPublishes(l).some((p) => p.qos === 0) ||
      l.broker.record
        .select({ kind: 'packet', type: 'subscribe' })
        .some((e) =>
          (e.packet as { subscriptions: { topic: string; qos: number }[] }).subscriptions.some(
            (x) => x.topic === 's/ds' && x.qos === 0,
          ),
        ),
  },
  'qos2-twice': {
    run: async (l, f) => {
      await connect(l, { qos: 2, clean: false }, f);
      l.broker.loseNext(SERIAL, 'pubrec');
      await l.platform.createOperation({ device: SERIAL, fragment: 'c8y_Restart' });
      await device.readUntil(/^LINK CLOSED/, 3000);
      await device.linkUp();
      await until(() => l.platform.operations.forDevice(SERIAL)[0]!.status === 'SUCCESSFUL', 2000);
      await new Promise((r) => setTimeout(r, 200));
    },
    visible: (l) => inPublishes(l).filter((p) => p.payload === '501,c8y_Restart').length > 1,
  },
  'clean-session-1': {
    run: async (l, f) => {
      await connect(l, { clean: false }, f);
    },
    visible: (l) =>
      l.broker.record
        .select({ kind: 'packet', type: 'connect' })
        .some((e) => (e.packet as { clean: boolean }).clean === true),
  },
  'child-on-root': {
    run: async (l, f) => {
      await connect(l, {}, f);
      await device.action('addChild', { child: `${SERIAL}-c1` });
      await device.action('measure', { device: `${SERIAL}-c1`, value: '5' });
    },
    visible: (l) => inPublishes(l).find((p) => p.payload === '211,5')!.topic !== `s/us/${SERIAL}-c1`,
  },
  'ignore-child-ops': {
    run: async (l, f) => {
      await connect(l, {}, f);
      await device.action('addChild', { child: `${SERIAL}-c1` });
      const op = await l.platform.createOperation({ device: `${SERIAL}-c1`, fragment: 'c8y_Restart' });
      await until(() => op.status === 'SUCCESSFUL', 1000);
    },
    visible: (l) => !inPublishes(l).some((p) => p.topic === `s/us/${SERIAL}-c1` && p.payload.startsWith('501,')),
  },
  'early-subscribe': {
    run: async (l, f) => {
      await connect(l, {}, f);
    },
    visible: (l) => l.broker.record.select({ decision: 'subscription-refused' }).some((e) => e.topic === 's/ds'),
  },
  'wrong-fragment': {
    run: async (l, f) => {
      await connect(l, {}, f);
      const op = await l.platform.createOperation({ device: SERIAL, fragment: 'c8y_Command', params: ['ls'] });
      await until(() => op.status === 'SUCCESSFUL', 1000);
      await new Promise((r) => setTimeout(r, 100));
    },
    visible: (l) =>
      inPublishes(l).some((p) => /^50[123],/.test(p.payload) && parseLine(p.payload).fields[1] !== 'c8y_Command'),
  },
  'last-will': {
    run: async (l, f) => {
      await connect(l, {}, f);
    },
    visible: (l) => l.broker.record.select({ decision: 'will-ignored' }).length > 0,
  },
};

test('every fault switch is documented with the rules that catch it and the features that show it', () => {
  for (const [name, row] of Object.entries(FAULTS)) {
    assert.ok(row.does.length > 10 && row.rules.length > 0 && row.features.length > 0, name);
  }
});

for (const fault of Object.keys(scenarios) as Fault[]) {
  test(`fault ${fault} changes the traffic in the record (${FAULTS[fault].does})`, { skip }, async () => {
    const s = scenarios[fault]!;
    const clean = await lab();
    await s.run(clean, []);
    assert.equal(
      await s.visible(clean),
      false,
      `without the fault the record must not show it (record: ${clean.broker.record.path})`,
    );
    await device.disconnect().catch(() => {});
    const faulty = await lab();
    await s.run(faulty, [fault]);
    assert.equal(
      await s.visible(faulty),
      true,
      `with the fault the record must show it (record: ${faulty.broker.record.path})`,
    );
    await device.disconnect().catch(() => {});
  });
}

test('the process driver runs the emulator as a command, and stops it by its PID', async () => {
  const l = await lab();
  const d = await startProcessDevice('PROC-1', loadProfile(EMULATED_PROFILE), l.broker.record);
  const pid = (d.console as unknown as { pid: number }).pid;
  try {
    await d.reset();
    await d.configure({
      host: '127.0.0.1',
      port: l.broker.ports.mqtt!,
      transport: 'mqtt',
      tenant: 't1',
      user: 'dev',
      password: 'pw',
    });
    await d.connect();
    assert.ok(l.platform.inventory.has('PROC-1'));
    assert.ok(
      l.broker.record.select({ kind: 'console', where: (e) => e.device === 'PROC-1' && e.line === 'CONNECTED' })
        .length === 1,
    );
  } finally {
    await d.stop();
  }
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('a process device that exits early fails its action with the exit code', async () => {
  const profile = validateProfile(
    {
      name: 'dies',
      process: { command: process.execPath, args: ['-e', 'process.stdin.once("data", () => process.exit(3))'] },
      actions: Object.fromEntries(
        ['reset', 'configure', 'connect', 'disconnect', 'publish', 'linkDown', 'linkUp'].map((a) => [
          a,
          { send: a, expect: '^OK', timeout: '3s' },
        ]),
      ),
    },
    'inline.yaml',
  );
  const d = await startProcessDevice('DIES-1', profile);
  await assert.rejects(d.reset(), /DIES-1: the process .* exited with code 3/);
  await d.stop();
});

test('the README lists every fault switch with its rules, as faults.ts has them', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const [name, row] of Object.entries(FAULTS)) {
    const line = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(line, `README has no row for ${name}`);
    for (const rule of row.rules) assert.ok(line.includes(`\`${rule}\``), `README row for ${name} lacks ${rule}`);
  }
});
