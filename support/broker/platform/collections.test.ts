// Template collections over real mqtt.js clients: create on s/ut, query on s/dt, data on s/uc and
// s/ud, operations rendered onto s/dc by response templates, preloaded collections, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformBench, newId } from './test-bench.ts';

let bench: PlatformBench;
const PRELOADED = [
  '10,m1,POST,MEASUREMENT,,c8y_CPU,,c8y_CPU.T.value,NUMBER,,c8y_CPU.T.unit,STRING,C',
  '11,r1,c8y_Message,,text',
];
before(async () => {
  bench = await PlatformBench.start({ templateCollections: { lab_xid: PRELOADED } });
});
after(() => bench.close());

const COLLECTION = [
  '10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,',
  '10,ev,POST,EVENT,,c8y_CustomEvent,,,c8y_Extra.level,INTEGER,',
  '10,al,POST,ALARM,,c8y_CustomAlarm,mytext,ACTIVE,MAJOR,',
  '10,alput,PUT,ALARM,,c8y_CustomAlarm,status,ALARMSTATUS,CLEARED',
  '10,net,PUT,INVENTORY,,false,c8y_Serial,c8y_Network.ip,STRING,',
  '10,get,GET,INVENTORY,,true',
  '10,opok,PUT,OPERATION,,c8y_MyOperation,status,OPERATIONSTATUS,SUCCESSFUL',
  '11,888,,c8y_IsDevice,type,c8y_Network.ip',
  '11,111,c8y_MyOperation,deviceId,val1,val2,customValues[*]',
  '11,222,,deviceId,c8y_MyOperation.val1,c8y_MyOperation.val2',
  '11,444,c8y_MyOperation,c8y_MyOperation.val3,val1',
].join('\n');

test('a collection is created on s/ut, queried with an empty publish (20 / 41 on s/dt), and cannot be created twice', async () => {
  const d = await bench.device();
  await d.inbox.client.subscribeAsync('s/dt', { qos: 1 });
  const xid = newId('xid');
  await d.pub('', `s/ut/${xid}`);
  assert.equal(await d.inbox.next('s/dt'), `41,${xid}`);
  await d.pub(COLLECTION, `s/ut/${xid}`);
  const created = bench.changes(d.id, 'collection-created')[0]!;
  assert.deepEqual(created.requests, ['999', 'ev', 'al', 'alput', 'net', 'get', 'opok']);
  await d.pub('', `s/ut/${xid}`);
  assert.equal(await d.inbox.next('s/dt'), `20,${xid},${bench.platform.collections.get(xid)!.id}`);
  await d.pub(COLLECTION, `s/ut/${xid}`);
  assert.match(await d.inbox.next('s/e'), /^41,,Cannot create templates for already existing template object/);
  assert.equal(bench.broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).at(-1)!.severity, 'info');
});

test('data on s/uc/<X-ID> is read with the request templates and changes the platform like static templates do', async () => {
  const d = await bench.device();
  const xid = newId('xid');
  await d.pub(COLLECTION, `s/ut/${xid}`);
  await d.pub('999,2016-06-22T17:03:14.000+02:00,25\n999,,26.5\nev,"it happened, really",,7\nal', `s/uc/${xid}`);
  const dev = bench.platform.inventory.get(d.id)!;
  assert.equal(dev.measurementCount, 2);
  assert.deepEqual(dev.measurements['c8y_MyMeasurement.M']!.value, 26.5);
  assert.deepEqual(dev.events[0], {
    type: 'c8y_CustomEvent',
    text: 'it happened, really',
    time: dev.events[0]!.time,
    fragments: { c8y_Extra: { level: 7 } },
  });
  assert.equal(dev.alarms.c8y_CustomAlarm!.severity, 'MAJOR');
  await d.pub('alput', `s/uc/${xid}`);
  assert.equal(bench.platform.inventory.get(d.id)!.alarms.c8y_CustomAlarm, undefined, 'the PUT template clears it');
  await d.pub(`net,${d.id},10.0.0.5`, `s/uc/${xid}`);
  assert.deepEqual(bench.platform.inventory.get(d.id)!.fragments.c8y_Network, { ip: '10.0.0.5' });
  // a child by its topic
  await d.pub('999,,1', `s/uc/${xid}/${d.id}-child`);
  assert.equal(bench.platform.inventory.get(`${d.id}-child`)!.measurementCount, 1);
  assert.deepEqual(bench.broker.record.select({ decision: 'smartrest-error', deviceId: d.id }), []);
});

test('a GET with response templates answers on s/dc/<X-ID>; an OPERATION PUT sets the status of the operation', async () => {
  const d = await bench.device();
  const xid = newId('xid');
  await d.inbox.client.subscribeAsync(`s/dc/${xid}`, { qos: 1 });
  await d.pub(COLLECTION, `s/ut/${xid}`);
  await d.pub(`net,${d.id},192.168.0.9`, `s/uc/${xid}`);
  await d.pub(`get,${bench.platform.inventory.get(d.id)!.id}`, `s/uc/${xid}`);
  assert.equal(await d.inbox.next(`s/dc/${xid}`), '888,c8y_MQTTDevice,192.168.0.9');
  const op = await bench.platform.createOperation({
    device: d.id,
    operation: { c8y_MyOperation: { val1: '1', val2: '2', customValues: ['a', 'b', 'c'] } },
  });
  await d.inbox.next(`s/dc/${xid}`, (l) => l.startsWith('111,'));
  await d.pub('opok', `s/uc/${xid}`);
  assert.equal(bench.platform.operations.get(op.id)!.status, 'SUCCESSFUL');
});

test('an operation is rendered by every response template whose condition holds, unresolved patterns empty', async () => {
  const d = await bench.device();
  const xid = newId('xid');
  await d.pub(COLLECTION, `s/ut/${xid}`);
  await d.inbox.client.subscribeAsync(`s/dc/${xid}`, { qos: 1 });
  const op = await bench.platform.createOperation({
    device: d.id,
    operation: { c8y_MyOperation: { val1: '1', val2: '2', customValues: ['a', 'b', 'c'] } },
  });
  assert.equal(op.templateId, undefined, 'no static template carries it');
  assert.equal(await d.inbox.next(`s/dc/${xid}`), `111,${d.id},1,2,a,b,c`);
  assert.equal(await d.inbox.next(`s/dc/${xid}`), `222,${d.id},1,2`);
  assert.deepEqual(d.inbox.on(`s/dc/${xid}`), [], '444 and 888 do not fire: their conditions do not hold');
  assert.deepEqual(d.inbox.on('s/ds'), []);
  // a static operation reaches both s/ds and, through 888 whose condition holds on no operation, nothing else
  await bench.platform.createOperation({ device: d.id, fragment: 'c8y_Restart' });
  assert.equal(await d.inbox.next('s/ds'), `510,${d.id}`);
});

test('s/ud and s/dd use the default collection named in the ClientId; a preloaded collection exists from the start', async () => {
  const id = newId();
  const d = await bench.device(id, { client: { clientId: `d:${id}:lab_xid` } });
  await d.inbox.client.subscribeAsync('s/dd', { qos: 1 });
  await d.pub('m1,,41.5', 's/ud');
  assert.deepEqual(bench.platform.inventory.get(id)!.measurements['c8y_CPU.T'], {
    fragment: 'c8y_CPU',
    series: 'T',
    value: 41.5,
    unit: 'C',
    time: bench.platform.inventory.get(id)!.measurements['c8y_CPU.T']!.time,
    type: 'c8y_CPU',
  });
  await bench.platform.createOperation({ device: id, operation: { c8y_Message: { text: 'hello, world' } } });
  assert.equal(await d.inbox.next('s/dd'), `r1,${id},"hello, world"`);
});

test('bad input: malformed 10/11 lines, unknown X-ID or message id, wrong values: each a clear s/e line; others are served', async () => {
  const d = await bench.device();
  const xid = newId('xid');
  const cases: [string, string, RegExp][] = [
    [
      `s/ut/${xid}`,
      '10,a,FETCH,MEASUREMENT,,t,',
      /^41,a,"collection '.*' was not created: line 1: request template a: MEASUREMENT takes POST, not 'FETCH'"$/,
    ],
    [`s/ut/${xid}`, '10,a,POST,MEASUREMENT,,t,,x.y,NUMBR,', /^41,a,.*type 'NUMBR'/],
    [`s/ut/${xid}`, '11,r', /^41,r,.*at least one pattern/],
    [`s/ut/${xid}`, '10,a,POST,EVENT,,t,x,\n10,a,POST,EVENT,,t,y,', /^41,a,.*line 2: the message id a is used twice/],
    [`s/ut/${xid}`, '12,x', /^41,x,.*only 10 \(request\) and 11 \(response\) lines/],
    [`s/uc/nope${xid}`, '999,1', /^40,999,No template collection 'nope/],
    ['s/ud', '999,1', /^40,999,s\/ud needs a default template collection/],
  ];
  for (const [topic, payload, answer] of cases) {
    await d.pub(payload, topic);
    assert.match(await d.inbox.next('s/e'), answer, `${topic} ${payload}`);
  }
  await d.pub('10,ok,POST,MEASUREMENT,,c8y_T,,c8y_T.T.value,NUMBER,', `s/ut/${xid}`);
  await d.pub('nothere,1\nok,,warm', `s/uc/${xid}`);
  assert.match(await d.inbox.next('s/e'), /^40,nothere,No request template 'nothere'/);
  assert.match(await d.inbox.next('s/e'), /^45,ok,"c8y_T.T.value must be NUMBER, not 'warm'"$/);
  const rules = bench.broker.record.select({ decision: 'smartrest-error', deviceId: d.id }).map((e) => e.rule);
  assert.deepEqual([...new Set(rules)].sort(), [
    'custom.bad-template',
    'custom.parameters',
    'custom.unknown-collection',
    'custom.unknown-message',
  ]);
  const other = await bench.device();
  await other.pub('211,20');
  assert.equal(bench.platform.inventory.get(other.id)!.measurementCount, 1, 'the broker keeps serving other devices');
});
