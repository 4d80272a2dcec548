// The catalogue and the upstream reader without a broker: parameter rules, operation shapes, JSON
// both ways, and names for reports. (support/broker/platform/catalogue.test.ts runs every template
// through a broker.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOWNSTREAM, fragmentJson, paramProblem, paramsFromJson, templateName, templatesForFragment, UPSTREAM } from './catalogue/index.ts';
import { isIsoTime, readUpstreamLine } from './upstream.ts';

const read = (line: string) => readUpstreamLine(line.split(','));
const error = (line: string) => { const r = read(line); return r.ok ? 'ok' : `${r.code} ${r.rule}: ${r.text}`; };

test('upstream lines: defaults, trailing fields left off, kinds, mandatory values, groups, free results', () => {
  const hundred = read('100');
  assert.ok(hundred.ok && hundred.values.type === 'c8y_MQTTDevice' && hundred.values.name === undefined);
  assert.equal(error('999'), '40 smartrest.unknown-template: No static template for this message id');
  assert.equal(error('abc'), '40 smartrest.unknown-template: No static template for this message id');
  assert.equal(error('211'), '45 smartrest.parameters: temperature (parameter 1) is mandatory');
  assert.equal(error('211,warm'), "45 smartrest.parameters: temperature must be a number, not 'warm'");
  assert.equal(error('117,1.5'), "45 smartrest.parameters: interval must be a whole number, not '1.5'");
  assert.equal(error('211,1,yesterday'), "45 smartrest.parameters: time must be an ISO 8601 time, not 'yesterday'");
  assert.equal(error('305,c8y_A,HUGE'), "45 smartrest.parameters: severity must be one of CRITICAL, MAJOR, MINOR, WARNING, not 'HUGE'");
  assert.equal(error('110,a,b,c,d'), '45 smartrest.parameters: template 110 takes at most 3 parameters, got 4');
  assert.equal(error('107'), '45 smartrest.parameters: template 107 needs at least 1 group(s) of fragment');
  assert.equal(error('201,t,,c8y_A,a,x'), "45 smartrest.parameters: group 1: value must be a number, not 'x'");
  assert.equal(error('211,1,,,'), 'ok');
  const m = read('201,t,2026-01-01T00:00:00Z,c8y_A,a,1,u,c8y_B,b,2');
  assert.ok(m.ok && m.groups.length === 2 && m.groups[1]!.series === 'b' && m.groups[1]!.unit === undefined);
  const r = read('503,c8y_Command,a,b');
  assert.ok(r.ok && r.values.fragment === 'c8y_Command' && r.rest.join() === 'c8y_Command,a,b');
  assert.equal(error('501,c8y_Command,extra'), '45 smartrest.parameters: template 501 takes at most 1 parameters, got 2');
  assert.ok(read('305,c8y_A,minor').ok, 'severities in any case');
});

test('ISO times: with Z, an offset with or without a colon, a date alone; nothing else', () => {
  for (const t of ['2026-01-01', '2026-01-01T10:00Z', '2026-01-01T10:00:00.123+02:00', '2021-09-21T11:40:27+0200']) assert.equal(isIsoTime(t), true, t);
  for (const t of ['25', 'yesterday', '2026-13-45T99:99:99Z', '01/02/2026', '']) assert.equal(isIsoTime(t), false, t);
});

test('operation parameters: fixed counts, repeated groups, allowed values, the 527 sections', () => {
  const t = (id: number) => DOWNSTREAM.get(id)!;
  assert.equal(paramProblem(t(511), ['ls']), undefined);
  assert.equal(paramProblem(t(510), ['x']), 'takes no parameters; got 1');
  assert.equal(paramProblem(t(515), ['a']), 'takes 3 (name, version, url); got 1');
  assert.equal(paramProblem(t(516), ['a', 'b']), 'takes groups of 3 (name, version, url); got 2');
  assert.equal(paramProblem(t(516), []), 'takes groups of 3 (name, version, url); got 0');
  assert.equal(paramProblem(t(518), ['HALF']), 'relayState must be OPEN or CLOSED, not \'HALF\'');
  assert.equal(paramProblem(t(519), ['OPEN']), undefined);
  assert.equal(paramProblem(t(527), ['$FW', 'a', '1', 'u', 'false', '', '$SW', '$CONF']), undefined);
  assert.match(paramProblem(t(527), ['x'])!, /must start with \$FW/);
  assert.match(paramProblem(t(527), ['$FW', 'a'])!, /\$FW takes 5 values/);
  assert.match(paramProblem(t(527), ['$SW', 'a', 'b'])!, /\$SW takes groups of 4 values/);
  assert.match(paramProblem(t(527), ['$SW', '$SW'])!, /\$SW appears twice/);
});

test('operations as JSON: from the line, and back to the line, for every operation template', () => {
  const t = (id: number) => DOWNSTREAM.get(id)!;
  assert.deepEqual(fragmentJson(t(511), ['ls']), { text: 'ls' });
  assert.deepEqual(fragmentJson(t(519), ['OPEN', 'CLOSED']), ['OPEN', 'CLOSED']);
  assert.deepEqual(fragmentJson(t(528), ['a', '1', 'u', 'install']), [{ name: 'a', version: '1', url: 'u', action: 'install' }]);
  assert.deepEqual(paramsFromJson(t(511), { text: 'ls' }), ['ls']);
  assert.deepEqual(paramsFromJson(t(511), { text: 5 }), ['5']);
  assert.deepEqual(paramsFromJson(t(511), {}), ['']);
  assert.equal(paramsFromJson(t(511), ['ls']), undefined);
  assert.equal(paramsFromJson(t(516), { name: 'a' }), undefined);
  assert.deepEqual(paramsFromJson(t(519), ['OPEN', null]), ['OPEN', '']);
  assert.deepEqual(paramsFromJson(t(528), [{ name: 'a', version: { v: 1 } }]), ['a', '{"v":1}', '', '']);
  for (const d of [...DOWNSTREAM.values()].filter((x) => x.fragment)) {
    const params = d.shape ? ['$FW', 'f', '1', 'u', 'true', 'd', '$SW', 'a', '1', 'u', 'install', '$CONF', 'u', 't'] : [
      ...d.params.map((p) => p.values?.[0] ?? `${p.name}-v`), ...(d.repeat ?? []).map((p) => `${p.name}-v`)];
    assert.deepEqual(paramsFromJson(d, fragmentJson(d, params)), params, `${d.id} round-trips`);
  }
  assert.deepEqual(templatesForFragment('c8y_Firmware').map((x) => x.id), [515, 525]);
  assert.deepEqual(templatesForFragment('c8y_Nothing'), []);
  assert.equal(DOWNSTREAM.get(525)!.prefersJson!({ dependency: 'x' }), true);
  assert.equal(DOWNSTREAM.get(525)!.prefersJson!({ isPatch: true }), true);
  assert.equal(DOWNSTREAM.get(525)!.prefersJson!({ name: 'x' }), false);
  assert.equal(DOWNSTREAM.get(529)!.prefersJson!([{ softwareType: 'deb' }]), true);
  assert.equal(DOWNSTREAM.get(529)!.prefersJson!({ softwareType: 'deb' }), false);
  assert.equal(DOWNSTREAM.get(527)!.shape!.fromJson('x'), undefined);
  assert.deepEqual(DOWNSTREAM.get(527)!.shape!.fromJson({}), ['$FW', '$SW', '$CONF']);
});

test('template names for reports, by topic', () => {
  assert.equal(templateName('s/us', '211'), 'temperature');
  assert.equal(templateName('s/ds', '511'), 'c8y_Command');
  assert.equal(templateName('s/ds', '106'), 'children (answer to 105)');
  assert.equal(templateName('s/e', '40'), 'error: unknown template');
  assert.equal(templateName('s/us', 'x'), undefined);
  assert.equal(templateName('s/ds', '999'), undefined);
  assert.equal(UPSTREAM.get(100)!.name, 'create device');
});
