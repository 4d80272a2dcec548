// Startup sequences like those of real agents (a device-management agent, a Raspberry Pi agent,
// thin-edge, small paho devices), sent as they send them: a correct agent gets no s/e line and the
// platform ends up as the docs say. A false alarm here is one a real tenant would never raise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformBench, newId } from './test-bench.ts';

let bench: PlatformBench;
before(async () => {
  bench = await PlatformBench.start();
});
after(() => bench.close());

const DM_AGENT_COLLECTION = [
  '10,dm100,PUT,INVENTORY,,false,c8y_Serial,c8y_Network.c8y_LAN.ip,STRING,,c8y_Network.c8y_LAN.netmask,STRING,,c8y_Network.c8y_LAN.enabled,INTEGER,',
  '10,M100,POST,MEASUREMENT,false,c8y_CPUTemperature,,c8y_CPUTemperature.T.value,NUMBER,,c8y_CPUTemperature.T.unit,STRING,°C',
  '11,dm501,,c8y_Docker,c8y_Docker.command,c8y_Docker.options.name,c8y_Docker.containerID',
  '11,dm502,,c8y_Message,c8y_Message.text',
].join('\n');

test('a device-management agent: QoS 2 registration, inventory, software, logs, configs, agent, a collection, polling and queries', async () => {
  const id = newId('DM');
  const d = await bench.device(id, { register: false });
  const xid = `dm-agent-${id}`;
  await d.inbox.client.subscribeAsync({ 's/dt': { qos: 1 } });
  await d.pub('', `s/ut/${xid}`);
  assert.equal(await d.inbox.next('s/dt'), `41,${xid}`);
  await d.pub(DM_AGENT_COLLECTION, `s/ut/${xid}`);
  await d.pub('100,Raspberry Pi 4,c8y_Linux');
  await d.inbox.client.subscribeAsync({ 's/ds': { qos: 2 }, [`s/dc/${xid}`]: { qos: 2 } });
  await d.pub(
    [
      '110,10000000a3e7d2b1,Raspberry Pi 4 Model B Rev 1.4,a03111',
      '113,"[mqtt]\nurl = tenant.cumulocity.com\nport = 8883\n\n[agent]\nmain.loop.interval.seconds = 10"',
      '114,c8y_Restart,c8y_Command,c8y_Configuration,c8y_SoftwareUpdate,c8y_LogfileRequest,c8y_Firmware,c8y_Docker,c8y_Message',
      '115,raspios,2024-03-15,',
      '116,python3,3.11.2,,openssh-server,1:9.2p1-2,,',
      '117,60',
      '118,agentlog,syslog,dmesg',
      '119,agent_conf,ssh_conf',
      '122,c8ydm,1.2.0,https://github.com/example/agent,Example Maintainers',
      '143,apt,docker',
      '201,c8y_Memory,,c8y_Memory,total,3794,MB,c8y_Memory,free,2210,MB,c8y_Memory,used,1584,MB',
    ].join('\n'),
  );
  await d.pub(`dm100,${id},192.168.1.23,255.255.255.0,1\nM100,,48.2`, `s/uc/${xid}`);
  await d.pub('500');
  await d.pub('123');
  await d.pub('600');
  await d.pub('125');
  assert.match(await d.inbox.next('s/ds'), /^124,\d+$/);
  assert.match(await d.inbox.next('s/ds'), /^601,/);
  assert.deepEqual(
    bench.broker.record.select({ decision: 'smartrest-error', deviceId: id }).map((e) => e.answer),
    [],
  );
  assert.deepEqual(d.inbox.on('s/e'), []);
  const f = bench.platform.inventory.get(id)!.fragments;
  assert.equal((f.c8y_Configuration as { config: string }).config.split('\n').length, 6);
  assert.deepEqual(f.c8y_SupportedLogs, ['agentlog', 'syslog', 'dmesg']);
  assert.deepEqual((f.c8y_Network as { c8y_LAN: unknown }).c8y_LAN, {
    ip: '192.168.1.23',
    netmask: '255.255.255.0',
    enabled: 1,
  });
  assert.equal(bench.platform.inventory.get(id)!.measurements['c8y_CPUTemperature.T']!.value, 48.2);
  // an operation only the agent's collection knows, rendered onto s/dc
  await bench.platform.createOperation({ device: id, operation: { c8y_Message: { text: 'Hello, agent' } } });
  assert.equal(await d.inbox.next(`s/dc/${xid}`), `dm502,${id},"Hello, agent"`);
});

test('a thin-edge-like agent: services, advanced software in chunks, children by 101, availability, template ids of its own', async () => {
  const id = newId('TE');
  const d = await bench.device(id, { register: false });
  await d.pub(`100,${id},thin-edge.io`);
  await d.inbox.client.subscribeAsync({ 's/ds': { qos: 1 } });
  await d.pub(
    [
      `101,${id}:device:child01,child01,thin-edge.io-child`,
      `102,${id}:device:main:service:tedge-mapper-c8y,service,tedge-mapper-c8y,up`,
      '117,30',
      '122,thin-edge.io,1.4.0,https://thin-edge.io,thin-edge.io',
      '140,a,,debian,,b,1.0,debian,',
      '141,c,2.0,container,',
      '143,debian,container',
      '150,SSH,VNC',
      '121,false,',
    ].join('\n'),
  );
  await d.pub('104,down', `s/us/${id}:device:main:service:tedge-mapper-c8y`);
  await d.pub('110,,Raspberry Pi,rev1', `s/us/${id}:device:child01`);
  await d.pub('301,temperature_alarm,I raised it,2021-04-23T19:00:00+05:00\n306,temperature_alarm');
  await d.pub('400,c8y_Boot,"booted, ok",2021-04-23T19:00:00+05:00');
  assert.deepEqual(d.inbox.on('s/e'), []);
  assert.deepEqual(
    bench.broker.record.select({ decision: 'smartrest-error', deviceId: id }).map((e) => e.answer),
    [],
  );
  assert.equal((bench.platform.inventory.get(id)!.fragments.c8y_InstalledSoftwareList as unknown[]).length, 3);
  assert.equal(bench.platform.inventory.get(`${id}:device:main:service:tedge-mapper-c8y`)!.fragments.status, 'down');
});

test('a small paho-style device: measurements at QoS 0/1/2, an operation answered with 501/503 by id, retain set, no s/e', async () => {
  const id = newId('PAHO');
  const d = await bench.device(id);
  await d.inbox.client.publishAsync('s/us', '211,23.5', { qos: 0 });
  await d.inbox.client.publishAsync('s/us', '200,c8y_Humidity,h,40,%', { qos: 1, retain: true });
  await d.pub('212,80\n210,-71');
  const op = await bench.platform.createOperation({ device: id, fragment: 'c8y_Command', params: ['uptime'] });
  assert.equal(await d.inbox.next('s/ds'), `511,${id},uptime`);
  await d.pub(`504,${op.id}\n506,${op.id},"up 3 days"`);
  await bench.broker.record.eventually(
    {
      kind: 'platform',
      deviceId: id,
      where: (e) =>
        e.change === 'measurement' &&
        (e.measurements as { fragment: string }[])[0]!.fragment === 'c8y_TemperatureMeasurement',
    },
    2000,
  );
  assert.equal(bench.platform.operations.get(op.id)!.status, 'SUCCESSFUL');
  assert.deepEqual(bench.broker.record.select({ decision: 'smartrest-error', deviceId: id }), []);
  assert.deepEqual(
    bench.broker.record.select({ kind: 'decision', where: (e) => e.deviceId === id && e.severity === 'violation' }),
    [],
  );
});
