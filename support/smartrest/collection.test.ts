// Template collections without a broker: 10/11 lines read (and refused line by line), a device's
// values read against a request template, objects rendered by response templates, JSON paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from './codec.ts';
import { defineCollection, readRequest, renderResponses, TemplateError } from './collection.ts';
import { fieldText, pathExists, resolvePath, setPath } from './json-path.ts';

const define = (...lines: string[]) => defineCollection(lines.map((l) => parseLine(l).fields));
const refused = (why: RegExp, ...lines: string[]) => assert.throws(() => define(...lines), (e: Error) => e instanceof TemplateError && why.test(e.message));

test('request templates: every API and method, with their mandatory values and custom triples', () => {
  const c = define(
    '10,m,POST,MEASUREMENT,,c8y_T,,c8y_T.T.value,NUMBER,,c8y_T.T.unit,,C',
    '10,e,POST,EVENT,true,c8y_E,text,,flag,FLAG',
    '10,a,POST,ALARM,,c8y_A,,ACTIVE,MAJOR,',
    '10,ap,PUT,ALARM,,c8y_A,status,ALARMSTATUS,CLEARED',
    '10,o,PUT,OPERATION,,c8y_Op,status,OPERATIONSTATUS,',
    '10,g,GET,INVENTORY,,TRUE',
    '10,p,PUT,INVENTORY,,false,c8y_Serial,c8y_Net.ip,STRING,',
    '10,n,POST,INVENTORY,,c8y_Serial,name,,',
  );
  const r = (id: string) => c.requests.get(id)!;
  assert.deepEqual(r('m').mandatory, [{ path: 'type', type: 'STRING', value: 'c8y_T' }, { path: 'time', type: 'DATE' }]);
  assert.deepEqual(r('m').custom, [{ path: 'c8y_T.T.value', type: 'NUMBER' }, { path: 'c8y_T.T.unit', type: 'STRING', value: 'C' }]);
  assert.deepEqual([r('m').response, r('e').response, r('g').response], [false, true, true]);
  assert.deepEqual(r('a').mandatory.map((v) => v.value), ['c8y_A', undefined, 'ACTIVE', 'MAJOR', undefined]);
  assert.deepEqual([r('g').byId, r('p').byId, r('p').externalIdType, r('n').externalIdType], [true, false, 'c8y_Serial', 'c8y_Serial']);
  assert.deepEqual(r('o').custom, [{ path: 'status', type: 'OPERATIONSTATUS' }]);
});

test('a bad 10 or 11 line refuses the collection, naming the line and why', () => {
  refused(/MEASUREMENT takes POST, not 'GET'/, '10,m,GET,MEASUREMENT,,t,');
  refused(/API \(field 4\) must be one of/, '10,m,POST,THINGS,,t');
  refused(/response \(field 5\) must be true, false or empty/, '10,m,POST,EVENT,yes,t,x,');
  refused(/byId \(field 6\) must be true or false/, '10,g,GET,INVENTORY,,maybe');
  refused(/GET templates take no values/, '10,g,GET,INVENTORY,,true,,x,STRING,');
  refused(/type 'TEXT'/, '10,e,POST,EVENT,,t,x,,p,TEXT,');
  refused(/custom value 1 has no path/, '10,e,POST,EVENT,,t,x,,,STRING,v');
  refused(/message id \(field 2\) is empty/, '10,,POST,EVENT,,t,x,');
  refused(/at least one pattern/, '11,r,base,cond');
  refused(/message id \(field 2\) is empty/, '11,,b,c,p');
  refused(/used twice/, '10,x,POST,EVENT,,t,a,', '11,x,,,p');
  refused(/only 10 \(request\) and 11 \(response\)/, '12,x');
  assert.throws(() => defineCollection([]), /at least one/);
  try { define('10,ok,POST,EVENT,,t,a,', '10,bad,POST,EVENT,,t,a,,p,TEXT,'); } catch (e) {
    assert.deepEqual([(e as TemplateError).line, (e as TemplateError).msgId], [1, 'bad']);
  }
});

test('a device\'s values: the key, then the empty mandatory and custom values in order, each of its type', () => {
  const c = define(
    '10,m,POST,MEASUREMENT,,c8y_T,,c8y_T.T.value,NUMBER,,c8y_T.T.unit,STRING,C,c8y_F,FLAG,',
    '10,g,GET,INVENTORY,,true', '10,x,GET,INVENTORY,,false,c8y_Serial', '10,y,GET,INVENTORY,,false',
    '10,n,POST,INVENTORY,,', '10,v,POST,EVENT,,t,x,,i,INTEGER,,u,UNSIGNED,,s,SEVERITY,,a,ALARMSTATUS,,o,OPERATIONSTATUS,',
  );
  const m = readRequest(c.requests.get('m')!, ['2026-01-01T00:00:00Z', '21.5']);
  assert.deepEqual(m.body, { type: 'c8y_T', time: '2026-01-01T00:00:00Z', c8y_T: { T: { value: 21.5, unit: 'C' } }, c8y_F: {} });
  assert.match(String(readRequest(c.requests.get('m')!, ['', '1']).body.time), /^\d{4}-/, 'an empty DATE is the server time');
  assert.deepEqual(readRequest(c.requests.get('m')!, ['', '']).body.c8y_T, { T: { unit: 'C' } }, 'an empty custom value is left out');
  assert.throws(() => readRequest(c.requests.get('m')!, ['yesterday', '1']), /time must be DATE, not 'yesterday'/);
  assert.throws(() => readRequest(c.requests.get('m')!, ['', 'warm']), /c8y_T.T.value must be NUMBER/);
  assert.throws(() => readRequest(c.requests.get('m')!, ['', '1', 'extra']), /takes 2 values; 1 more were sent/);
  assert.deepEqual(readRequest(c.requests.get('g')!, ['123']).key, { id: '123' });
  assert.deepEqual(readRequest(c.requests.get('x')!, ['SN1']).key, { externalIdType: 'c8y_Serial', externalId: 'SN1' });
  assert.deepEqual(readRequest(c.requests.get('y')!, ['c8y_IMEI', '35']).key, { externalIdType: 'c8y_IMEI', externalId: '35' });
  assert.deepEqual(readRequest(c.requests.get('n')!, ['SN9', 'c8y_Serial']).key, { externalId: 'SN9', externalIdType: 'c8y_Serial' });
  const v = readRequest(c.requests.get('v')!, ['', '-3', '4', 'minor', 'cleared', 'executing']).body;
  assert.deepEqual([v.i, v.u, v.s, v.a, v.o], [-3, 4, 'MINOR', 'CLEARED', 'EXECUTING']);
  for (const [i, bad] of [[1, '1.5'], [2, '-4'], [3, 'HUGE'], [4, 'GONE'], [5, 'DONE']] as const) {
    const values = ['', '1', '1', 'MAJOR', 'ACTIVE', 'PENDING'];
    values[i] = bad;
    assert.throws(() => readRequest(c.requests.get('v')!, values), /must be/, `value ${i}: ${bad}`);
  }
});

test('response templates: condition on the whole object, patterns under the base, [*] expands, missing is empty', () => {
  const c = define('11,111,c8y_Conf,deviceId,val1,val2,customValues[*]', '11,222,,deviceId,c8y_Conf.val1', '11,333,,,val1,nothing[*]',
    '11,444,c8y_Conf,c8y_Conf.val3,val1', '11,555,missing,,val1');
  const op = { id: '1', deviceId: '9', c8y_Conf: { val1: '1', val2: 2, customValues: ['a', 'b'] } };
  assert.deepEqual(renderResponses(c.responses, op, ['SN1']),
    [['111', 'SN1', '1', '2', 'a', 'b'], ['222', 'SN1', '1'], ['333', 'SN1', '', ''], ['555', 'SN1', '']]);
  assert.deepEqual(renderResponses(c.responses, { c8y_Conf: { val1: 'x', val3: null } }, []).map((l) => l[0]), ['333', '444', '555']);
});

test('JSON paths: keys, $., [n], [*], set, and fields written out', () => {
  const o = { a: { b: [{ c: 1 }, { c: 2 }] }, f: {}, n: null };
  assert.deepEqual(resolvePath(o, '$.a.b[*].c'), [1, 2]);
  assert.deepEqual(resolvePath(o, 'a.b[1].c'), [2]);
  assert.deepEqual(resolvePath(o, 'a.b[5].c'), []);
  assert.deepEqual(resolvePath(o, 'a.x'), []);
  assert.deepEqual(resolvePath({ m: { x: 1, y: 2 } }, 'm[*]'), [1, 2]);
  assert.deepEqual(resolvePath(o, '$'), [o]);
  assert.equal(pathExists(o, 'f'), true, 'an empty object exists');
  assert.equal(pathExists(o, 'n'), true);
  assert.equal(pathExists(o, 'a.c'), false);
  const t: Record<string, unknown> = { p: 'x' };
  setPath(t, '$.a.b.c', 5);
  setPath(t, 'p.q', 1);
  assert.deepEqual(t, { p: { q: 1 }, a: { b: { c: 5 } } });
  assert.deepEqual([fieldText(undefined), fieldText(null), fieldText('s'), fieldText(2), fieldText(false), fieldText({ a: 1 })], ['', '', 's', '2', 'false', '{"a":1}']);
});
