// One test per static template, generated from the catalogue: a template without a case here fails
// the build. Upstream: the line's effect on the platform (and no s/e answer). Downstream: the line
// on the wire, read back by a device-side parser, created by template id and by the operation's JSON.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../../smartrest/codec.ts';
import { DOWNSTREAM_TEMPLATES, UPSTREAM_TEMPLATES } from '../../smartrest/catalogue/index.ts';
import type { Device } from './inventory.ts';
import { PlatformBench, type TestDevice } from './test-bench.ts';

let bench: PlatformBench;
before(async () => {
  bench = await PlatformBench.start();
});
after(() => bench.close());

interface Ctx {
  d: TestDevice;
  dev: () => Device;
  f: () => Record<string, unknown>;
  op: (fragment: string, params?: string[]) => Promise<string>;
}
interface UpCase {
  /** the line (with {id} for the device's external id) */
  line: string;
  /** sent first */
  before?: (c: Ctx) => Promise<unknown>;
  topic?: string;
  /** the device does not exist before the line */
  fresh?: boolean;
  expect: (c: Ctx) => unknown;
}

const statusOf = (id: string) => bench.platform.operations.get(id)!.status;

const UP: Record<number, UpCase> = {
  100: {
    fresh: true,
    line: '100,"Boiler, basement",c8y_Boiler',
    expect: (c) => assert.deepEqual([c.dev().name, c.dev().type], ['Boiler, basement', 'c8y_Boiler']),
  },
  101: {
    line: '101,{id}-ch,Child,c8y_Sensor,false',
    expect: (c) => {
      const child = bench.platform.inventory.get(`${c.d.id}-ch`)!;
      assert.deepEqual(
        [child.parent, child.name, child.type, child.fragments.c8y_IsDevice],
        [c.d.id, 'Child', 'c8y_Sensor', undefined],
      );
    },
  },
  102: {
    line: '102,{id}-db,systemd,Database,up',
    expect: (c) => {
      const s = bench.platform.inventory.get(`${c.d.id}-db`)!;
      assert.deepEqual(
        [s.kind, s.parent, s.name, s.fragments.serviceType, s.fragments.status],
        ['service', c.d.id, 'Database', 'systemd', 'up'],
      );
    },
  },
  104: {
    before: (c) => c.d.pub('102,{id}-db,systemd,Database,up'.replace('{id}', c.d.id)),
    topic: 's/us/{id}-db',
    line: '104,down',
    expect: (c) => assert.equal(bench.platform.inventory.get(`${c.d.id}-db`)!.fragments.status, 'down'),
  },
  105: {
    before: (c) => c.d.pub(`101,${c.d.id}-a\n101,${c.d.id}-b`),
    line: '105',
    expect: async (c) => assert.equal(await c.d.inbox.next('s/ds'), `106,${c.d.id}-a,${c.d.id}-b`),
  },
  107: {
    before: (c) => c.d.pub('110,S,M,R\n113,x\n115,fw'),
    line: '107,c8y_Hardware,c8y_Configuration',
    expect: (c) => assert.deepEqual(Object.keys(c.f()).sort(), ['c8y_Firmware', 'c8y_IsDevice']),
  },
  110: {
    line: '110,SN-1,Model X,rev 2',
    expect: (c) => assert.deepEqual(c.f().c8y_Hardware, { serialNumber: 'SN-1', model: 'Model X', revision: 'rev 2' }),
  },
  111: {
    line: '111,356938035643809,8991101200003204510,310150123456789,310,150,1234,5678',
    expect: (c) =>
      assert.deepEqual(c.f().c8y_Mobile, {
        imei: '356938035643809',
        iccid: '8991101200003204510',
        imsi: '310150123456789',
        mcc: '310',
        mnc: '150',
        lac: '1234',
        cellId: '5678',
      }),
  },
  112: {
    line: '112,51.151977,6.95173,67',
    expect: (c) => assert.deepEqual(c.f().c8y_Position, { lat: 51.151977, lng: 6.95173, alt: 67 }),
  },
  113: {
    line: '113,"val1=1\nval2=2"',
    expect: (c) => assert.deepEqual(c.f().c8y_Configuration, { config: 'val1=1\nval2=2' }),
  },
  114: {
    line: '114,c8y_Restart,c8y_Command',
    expect: (c) => assert.deepEqual(c.f().c8y_SupportedOperations, ['c8y_Restart', 'c8y_Command']),
  },
  115: {
    line: '115,fw,1.2.3,http://h/fw.bin',
    expect: (c) => assert.deepEqual(c.f().c8y_Firmware, { name: 'fw', version: '1.2.3', url: 'http://h/fw.bin' }),
  },
  116: {
    line: '116,software1,version1,url1,software2,,url2,software3,version3',
    expect: (c) =>
      assert.deepEqual(c.f().c8y_SoftwareList, [
        { name: 'software1', version: 'version1', url: 'url1' },
        { name: 'software2', url: 'url2' },
        { name: 'software3', version: 'version3' },
      ]),
  },
  117: {
    line: '117,60',
    expect: async (c) => {
      assert.deepEqual(c.f().c8y_RequiredAvailability, { responseInterval: 60 });
      await c.d.pub('117,5');
      assert.deepEqual(c.f().c8y_RequiredAvailability, { responseInterval: 60 }, 'set only when the device has none');
    },
  },
  118: {
    line: '118,ntcagent,dmesg,logread',
    expect: (c) => assert.deepEqual(c.f().c8y_SupportedLogs, ['ntcagent', 'dmesg', 'logread']),
  },
  119: {
    line: '119,modbus,system',
    expect: (c) => assert.deepEqual(c.f().c8y_SupportedConfigurations, ['modbus', 'system']),
  },
  120: {
    line: '120,modbus,http://h/cfg,,2020-07-22T17:03:14.000+02:00',
    expect: (c) =>
      assert.deepEqual(c.f().c8y_Configuration_modbus, {
        type: 'modbus',
        url: 'http://h/cfg',
        name: 'modbus',
        time: '2020-07-22T17:03:14.000+02:00',
      }),
  },
  121: {
    line: '121,true,8473',
    expect: (c) => assert.deepEqual(c.f().c8y_Profile, { profileExecuted: true, profileId: '8473' }),
  },
  122: {
    line: '122,thin-edge.io,0.6,https://thin-edge.io,Cumulocity',
    expect: (c) =>
      assert.deepEqual(c.f().c8y_Agent, {
        name: 'thin-edge.io',
        version: '0.6',
        url: 'https://thin-edge.io',
        maintainer: 'Cumulocity',
      }),
  },
  123: { line: '123', expect: async (c) => assert.equal(await c.d.inbox.next('s/ds'), `124,${c.dev().id}`) },
  125: { line: '125', expect: (c) => assert.ok((c.f().c8y_Availability as { lastMessage: string }).lastMessage) },
  140: {
    line: '140,docker,3.2.1,systemd,https://www.docker.com/,nginx,1.6,container',
    expect: async (c) => {
      assert.deepEqual(c.f().c8y_InstalledSoftwareList, [
        { name: 'docker', version: '3.2.1', softwareType: 'systemd', url: 'https://www.docker.com/' },
        { name: 'nginx', version: '1.6', softwareType: 'container' },
      ]);
      await c.d.pub('140,,,,');
      assert.deepEqual(c.f().c8y_InstalledSoftwareList, [], '140,,,, clears the list');
    },
  },
  141: {
    before: (c) => c.d.pub('140,a,1'),
    line: '141,b,2,deb',
    expect: (c) =>
      assert.deepEqual(c.f().c8y_InstalledSoftwareList, [
        { name: 'a', version: '1' },
        { name: 'b', version: '2', softwareType: 'deb' },
      ]),
  },
  142: {
    before: (c) => c.d.pub('140,a,1,,,b,2'),
    line: '142,a,1',
    expect: (c) => assert.deepEqual(c.f().c8y_InstalledSoftwareList, [{ name: 'b', version: '2' }]),
  },
  143: {
    line: '143,yum,docker',
    expect: async (c) => {
      assert.deepEqual(c.f().c8y_SupportedSoftwareTypes, ['yum', 'docker']);
      await c.d.pub('143');
      assert.equal(c.f().c8y_SupportedSoftwareTypes, undefined, 'an empty list removes the fragment');
    },
  },
  150: {
    line: '150,SSH,VNC',
    expect: (c) => assert.deepEqual(c.f().c8y_RemoteAccessSupportedProtocols, ['SSH', 'VNC']),
  },
  200: {
    line: '200,c8y_Pressure,P,1013.25,hPa,2026-01-02T03:04:05Z',
    expect: (c) =>
      assert.deepEqual(c.dev().measurements['c8y_Pressure.P'], {
        fragment: 'c8y_Pressure',
        series: 'P',
        value: 1013.25,
        unit: 'hPa',
        time: '2026-01-02T03:04:05Z',
      }),
  },
  201: {
    line: '201,KamstrupA220Reading,2022-03-19T12:03:27.845Z,c8y_Energy,A+:1,1234,kWh,c8y_Energy,A-:1,2345,kWh',
    expect: (c) =>
      assert.deepEqual(
        [c.dev().measurements['c8y_Energy.A+:1']!.value, c.dev().measurements['c8y_Energy.A-:1']!.type],
        [1234, 'KamstrupA220Reading'],
      ),
  },
  210: {
    line: '210,-90,23',
    expect: (c) =>
      assert.deepEqual(
        [c.dev().measurements['c8y_SignalStrength.rssi']!.value, c.dev().measurements['c8y_SignalStrength.ber']!.value],
        [-90, 23],
      ),
  },
  211: {
    line: '211,25,2016-06-22T17:03:14.000+02:00',
    expect: (c) => assert.equal(c.dev().measurements['c8y_TemperatureMeasurement.T']!.value, 25),
  },
  212: { line: '212,95', expect: (c) => assert.equal(c.dev().measurements['c8y_Battery.level']!.value, 95) },
  301: {
    line: '301,c8y_TemperatureAlarm',
    expect: (c) =>
      assert.deepEqual(
        [c.dev().alarms.c8y_TemperatureAlarm!.severity, c.dev().alarms.c8y_TemperatureAlarm!.text],
        ['CRITICAL', 'Alarm of type c8y_TemperatureAlarm raised'],
      ),
  },
  302: {
    line: '302,c8y_A,"This is an alarm"',
    expect: (c) =>
      assert.deepEqual([c.dev().alarms.c8y_A!.severity, c.dev().alarms.c8y_A!.text], ['MAJOR', 'This is an alarm']),
  },
  303: { line: '303,c8y_A', expect: (c) => assert.equal(c.dev().alarms.c8y_A!.severity, 'MINOR') },
  304: {
    line: '304,c8y_A,,2013-06-22T17:03:14.000+02:00',
    expect: (c) =>
      assert.deepEqual(
        [c.dev().alarms.c8y_A!.severity, c.dev().alarms.c8y_A!.time],
        ['WARNING', '2013-06-22T17:03:14.000+02:00'],
      ),
  },
  305: {
    before: (c) => c.d.pub('302,c8y_A'),
    line: '305,c8y_A,CRITICAL',
    expect: (c) => assert.equal(c.dev().alarms.c8y_A!.severity, 'CRITICAL'),
  },
  306: {
    before: (c) => c.d.pub('302,c8y_A'),
    line: '306,c8y_A',
    expect: (c) => assert.equal(c.dev().alarms.c8y_A, undefined),
  },
  307: {
    before: (c) => c.d.pub('302,c8y_A'),
    line: '307,c8y_A,c8y_Position',
    expect: () =>
      assert.equal(
        bench.broker.record.select({ kind: 'platform', where: (e) => e.change === 'alarm-fragments-removed' }).length >
          0,
        true,
      ),
  },
  400: {
    line: '400,c8y_MyEvent,"Something was triggered"',
    expect: (c) =>
      assert.deepEqual([c.dev().events[0]!.type, c.dev().events[0]!.text], ['c8y_MyEvent', 'Something was triggered']),
  },
  401: {
    line: '401,51.151977,6.95173,67',
    expect: (c) => {
      assert.deepEqual(c.dev().events[0]!.fragments, { c8y_Position: { lat: 51.151977, lng: 6.95173, alt: 67 } });
      assert.equal(c.f().c8y_Position, undefined, '401 leaves the device where it was');
    },
  },
  402: {
    line: '402,51.151977,6.95173,67,,',
    expect: (c) => assert.deepEqual(c.f().c8y_Position, { lat: 51.151977, lng: 6.95173, alt: 67 }),
  },
  407: {
    before: (c) => c.d.pub('401,1,2'),
    line: '407,c8y_LocationUpdate,c8y_Position',
    expect: (c) => assert.deepEqual(c.dev().events.at(-1)!.fragments, {}),
  },
  408: {
    line: '408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_RelayStatus.right,BOOLEAN,false',
    expect: (c) => {
      const e = c.dev().events[0]!;
      assert.deepEqual([e.type, e.text], ['c8y_ParameterUpdate', "Parameter 'c8y_RelayStatus' was updated"]);
      assert.equal((e.fragments!.c8y_ParameterUpdate as { parameters: unknown[] }).parameters.length, 2);
    },
  },
  500: {
    before: async (c) => {
      await c.op('c8y_Restart');
      await c.d.inbox.next('s/ds');
    },
    line: '500',
    expect: async (c) => assert.equal(await c.d.inbox.next('s/ds'), `510,${c.d.id}`),
  },
  501: {
    before: (c) => c.op('c8y_Restart'),
    line: '501,c8y_Restart',
    expect: (c) => assert.equal(c.dev().id && statusOf(lastOp(c)), 'EXECUTING'),
  },
  502: {
    before: (c) => c.op('c8y_Restart'),
    line: '502,c8y_Restart,"Could not restart"',
    expect: (c) =>
      assert.deepEqual(
        [statusOf(lastOp(c)), bench.platform.operations.get(lastOp(c))!.failureReason],
        ['FAILED', 'Could not restart'],
      ),
  },
  503: {
    before: (c) => c.op('c8y_Command', ['ls']),
    line: '503,c8y_Command,"1.2.3; 9.8.7"',
    expect: (c) => {
      const op = bench.platform.operations.get(lastOp(c))!;
      assert.deepEqual(
        [op.status, op.result, (op.value as { result: string }).result],
        ['SUCCESSFUL', ['1.2.3; 9.8.7'], '1.2.3; 9.8.7'],
      );
    },
  },
  504: {
    before: (c) => c.op('c8y_Restart'),
    line: '504,{op}',
    expect: (c) => assert.equal(statusOf(lastOp(c)), 'EXECUTING'),
  },
  505: {
    before: (c) => c.op('c8y_Restart'),
    line: '505,{op},nope',
    expect: (c) => assert.equal(statusOf(lastOp(c)), 'FAILED'),
  },
  506: {
    before: (c) => c.op('c8y_RelayArray', ['OPEN', 'OPEN']),
    line: '506,{op},OPEN,CLOSED',
    expect: (c) => assert.deepEqual([statusOf(lastOp(c)), c.f().c8y_RelayArray], ['SUCCESSFUL', ['OPEN', 'CLOSED']]),
  },
  507: {
    before: async (c) => {
      await c.op('c8y_Restart');
      await c.d.pub('501,c8y_Restart');
    },
    line: '507,,"Unexpected device restart"',
    expect: (c) =>
      assert.deepEqual(
        [statusOf(lastOp(c)), bench.platform.operations.get(lastOp(c))!.failureReason],
        ['FAILED', 'Unexpected device restart'],
      ),
  },
  600: { line: '600', expect: async (c) => assert.match(await c.d.inbox.next('s/ds'), /^601,\d+\.\d+\.\d+/) },
  602: { line: '602', expect: async (c) => assert.match(await c.d.inbox.next('s/ds'), /^603,100,101,102,/) },
};

const lastOp = (c: Ctx) => bench.platform.operations.forDevice(c.d.id).at(-1)!.id;

test('every upstream and downstream template of the catalogue has a case here', () => {
  assert.deepEqual(
    UPSTREAM_TEMPLATES.map((t) => t.id).filter((id) => !UP[id]),
    [],
    'upstream templates without a test',
  );
  assert.deepEqual(
    DOWNSTREAM_TEMPLATES.map((t) => t.id).filter((id) => !DOWN[id]),
    [],
    'downstream templates without a test',
  );
});

describe('upstream: each template does what the docs say, with no s/e answer', () => {
  for (const t of UPSTREAM_TEMPLATES) {
    const k = UP[t.id];
    if (!k) continue;
    test(`${t.id} ${t.name}: ${k.line.split('\n')[0]}`, async () => {
      const d = await bench.device(undefined, { register: !k.fresh });
      const c: Ctx = {
        d,
        dev: () => bench.platform.inventory.get(d.id)!,
        f: () => bench.platform.inventory.get(d.id)!.fragments,
        op: async (fragment, params = []) =>
          (await bench.platform.createOperation({ device: d.id, fragment, params })).id,
      };
      await k.before?.(c);
      const fill = (s: string) =>
        s.replaceAll('{id}', d.id).replaceAll('{op}', bench.platform.operations.forDevice(d.id).at(-1)?.id ?? '');
      await d.pub(fill(k.line), fill(k.topic ?? 's/us'));
      await k.expect(c);
      assert.deepEqual(
        bench.broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).map((e) => e.answer),
        [],
      );
    });
  }
});

interface DownCase {
  params?: string[];
  json?: unknown;
  trigger?: string;
}
const DOWN: Record<number, DownCase> = {
  106: { trigger: '105' },
  124: { trigger: '123' },
  601: { trigger: '600' },
  603: { trigger: '602' },
  510: { params: [], json: {} },
  511: { params: ['execute this\nand "this"'], json: { text: 'execute this\nand "this"' } },
  513: { params: ['val1=1\nval2=2'], json: { config: 'val1=1\nval2=2' } },
  515: {
    params: ['myFirmware', '1.0', 'http://h/fw'],
    json: { name: 'myFirmware', version: '1.0', url: 'http://h/fw' },
  },
  516: {
    params: ['a', '1.0', 'u1', 'b', '2.0', 'u2'],
    json: [
      { name: 'a', version: '1.0', url: 'u1' },
      { name: 'b', version: '2.0', url: 'u2' },
    ],
  },
  517: { params: ['LOGA'], json: { requestName: 'LOGA' } },
  518: { params: ['OPEN'], json: { relayState: 'OPEN' } },
  519: { params: ['OPEN', 'CLOSED', 'OPEN'], json: ['OPEN', 'CLOSED', 'OPEN'] },
  520: { params: [], json: {} },
  521: { params: ['http://h/cfg'], json: { url: 'http://h/cfg' } },
  522: {
    params: ['syslog', '2021-09-21T11:40:27+0200', '2021-09-22T11:40:27+0200', 'ERROR', '1000'],
    json: {
      logFile: 'syslog',
      dateFrom: '2021-09-21T11:40:27+0200',
      dateTo: '2021-09-22T11:40:27+0200',
      searchText: 'ERROR',
      maximumLines: '1000',
    },
  },
  523: { params: ['SMS'], json: { mode: 'SMS' } },
  524: { params: ['http://h/cfg', 'agent_conf'], json: { url: 'http://h/cfg', type: 'agent_conf' } },
  525: {
    params: ['fw', '1.0', 'http://h/p', 'dep'],
    json: { name: 'fw', version: '1.0', url: 'http://h/p', dependency: 'dep' },
  },
  526: { params: ['ssh_conf'], json: { type: 'ssh_conf' } },
  527: {
    params: [
      '$FW',
      'device_fw',
      '1.0.1',
      'https://h/fw',
      'false',
      '',
      '$SW',
      'curl',
      '2.3.4',
      'http://h/c',
      'install',
      '$CONF',
      'http://h/conf',
      'ssh_conf',
    ],
    json: {
      firmware: { name: 'device_fw', version: '1.0.1', url: 'https://h/fw', isPatch: false, dependency: '' },
      software: [{ name: 'curl', version: '2.3.4', url: 'http://h/c', action: 'install' }],
      configuration: [{ url: 'http://h/conf', type: 'ssh_conf' }],
    },
  },
  528: {
    params: ['a', '1.0', 'u1', 'install', 'b', '2.0', 'u2', 'delete'],
    json: [
      { name: 'a', version: '1.0', url: 'u1', action: 'install' },
      { name: 'b', version: '2.0', url: 'u2', action: 'delete' },
    ],
  },
  529: {
    params: ['software_a', '4.0.0', 'type A', 'http://h/a', 'install'],
    json: [{ name: 'software_a', version: '4.0.0', softwareType: 'type A', url: 'http://h/a', action: 'install' }],
  },
  530: {
    params: ['10.0.0.67', '22', 'eb5e9d13'],
    json: { hostname: '10.0.0.67', port: '22', connectionKey: 'eb5e9d13' },
  },
  532: {
    params: ['c8y_RelayStatus.left', 'b', 'false'],
    json: [{ path: 'c8y_RelayStatus.left', type: 'b', value: 'false' }],
  },
};

describe('downstream: each template on the wire, by template id and by JSON, read back by the device', () => {
  for (const t of DOWNSTREAM_TEMPLATES) {
    const k = DOWN[t.id];
    if (!k) continue;
    test(`${t.id} ${t.name}`, async () => {
      const d = await bench.device();
      if (k.trigger) {
        await d.pub(k.trigger);
        assert.equal(parseLine(await d.inbox.next('s/ds')).fields[0], String(t.id));
        return;
      }
      const byTemplate = await bench.platform.createOperation({ device: d.id, template: t.id, params: k.params! });
      assert.deepEqual(parseLine(await d.inbox.next('s/ds')).fields, [String(t.id), d.id, ...k.params!]);
      assert.deepEqual(byTemplate.value, k.json, 'the operation keeps its fragment as the platform does');
      const byJson = await bench.platform.createOperation({ device: d.id, operation: { [t.fragment!]: k.json } });
      assert.equal(byJson.templateId, t.id, 'the JSON picks the same template');
      assert.deepEqual(parseLine(await d.inbox.next('s/ds')).fields, [String(t.id), d.id, ...k.params!]);
    });
  }
});
