// The run's outcome from hand-made message streams: failed (a rule the device broke) versus broken
// (anything else), flaky only for the same scenario passing on a retry, unique names for the
// examples of an outline, and the JUnit and annotations made from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOutcome } from './outcomes.ts';
import { junitXml, measurementText } from './junit.ts';
import { githubAnnotations } from './annotations.ts';

type Env = Record<string, unknown>;
const ts = (s: number) => ({ seconds: s, nanos: 0 });

/** a feature with one scenario (line 3) and an outline (line 6) with two examples (lines 10, 11) */
function feature(): Env[] {
  const doc = {
    uri: 'features/a.feature',
    feature: {
      name: 'Feature A',
      children: [
        { scenario: { id: 's1', location: { line: 3 }, examples: [] } },
        {
          scenario: {
            id: 's2',
            location: { line: 6 },
            examples: [
              {
                name: '',
                tableBody: [
                  { id: 'r1', location: { line: 10 }, cells: [{ value: 'mqtt' }] },
                  { id: 'r2', location: { line: 11 }, cells: [{ value: 'wss' }] },
                ],
              },
            ],
          },
        },
      ],
    },
  };
  const pickle = (id: string, name: string, ast: string[]) => ({
    pickle: { id, uri: doc.uri, name, astNodeIds: ast, tags: [{ name: '@x' }] },
  });
  return [
    { gherkinDocument: doc },
    pickle('p1', 'plain', ['s1']),
    pickle('p2', 'outline', ['s2', 'r1']),
    pickle('p3', 'outline', ['s2', 'r2']),
    { testRunStarted: { timestamp: ts(100) } },
    { testCase: { id: 't1', pickleId: 'p1' } },
    { testCase: { id: 't2', pickleId: 'p2' } },
    { testCase: { id: 't3', pickleId: 'p3' } },
  ];
}

function attempt(id: string, tc: string, at: number, result: Env, extra: Env[] = []): Env[] {
  return [
    { testCaseStarted: { id, testCaseId: tc, attempt: 0, timestamp: ts(at) } },
    { testStepFinished: { testCaseStartedId: id, testStepResult: { status: 'PASSED' } } },
    { testStepFinished: { testCaseStartedId: id, testStepResult: result } },
    ...extra.map((a) => ({ attachment: { testCaseStartedId: id, ...a } })),
    { testCaseFinished: { testCaseStartedId: id, timestamp: ts(at + 2) } },
  ];
}

const VIOLATION = { status: 'FAILED', message: '[qos.as-configured, violation] QoS 1.\nIt published at QoS 0.' };
const INFO = { status: 'FAILED', message: '[platform.behaviour, info] CONNACK 5.\nIt got CONNACK 0.' };
const CONSOLE = { status: 'FAILED', message: 'ConsoleError: the console /dev/ttyUSB0 vanished and did not come back' };

test('a failure naming a violation is the device failing (exit 1); the outline examples get unique names', () => {
  const o = runOutcome([
    ...feature(),
    ...attempt('a1', 't1', 101, { status: 'PASSED' }),
    ...attempt('a2', 't2', 104, VIOLATION, [{ mediaType: 'text/plain', body: 'record: /r/outline-1.jsonl' }]),
    ...attempt('a3', 't3', 107, { status: 'SKIPPED' }, [{ mediaType: 'text/plain', body: 'skipped: no wss' }]),
    { testRunFinished: { timestamp: ts(110) } },
  ]);
  assert.deepEqual(
    o.scenarios.map((s) => [s.name, s.line, s.status]),
    [
      ['plain', 3, 'passed'],
      ['outline (#1: mqtt)', 10, 'failed'],
      ['outline (#2: wss)', 11, 'skipped'],
    ],
  );
  assert.deepEqual(o.counts, { passed: 1, failed: 1, broken: 0, skipped: 1, flaky: 0 });
  assert.equal(o.exitCode, 1);
  assert.deepEqual(o.scenarios[1]!.attempts[0]!.rules, ['qos.as-configured']);
  assert.equal(o.interrupted, false);
});

test('a failure naming no rule, or only an info rule of the lab, is broken (exit 3); a device failure wins', () => {
  const broken = runOutcome([
    ...feature(),
    ...attempt('a1', 't1', 101, CONSOLE),
    ...attempt('a2', 't2', 104, INFO),
    { testRunFinished: { timestamp: ts(110) } },
  ]);
  assert.deepEqual(
    broken.scenarios.map((s) => s.status),
    ['broken', 'broken'],
  );
  assert.equal(broken.exitCode, 3);
  const both = runOutcome([...feature(), ...attempt('a1', 't1', 101, CONSOLE), ...attempt('a2', 't2', 104, VIOLATION)]);
  assert.equal(both.exitCode, 1);
  assert.equal(both.interrupted, true, 'no testRunFinished: the run was cut short');
  const undefinedStep = runOutcome([...feature(), ...attempt('a1', 't1', 101, { status: 'UNDEFINED' })]);
  assert.equal(undefinedStep.scenarios[0]!.status, 'broken');
});

test('flaky: the same scenario passing on its retry; another example failing is not flaky', () => {
  const o = runOutcome([
    ...feature(),
    ...attempt('a1', 't1', 101, VIOLATION, [{ mediaType: 'text/plain', body: 'record: /r/plain.jsonl' }]),
    ...attempt('a2', 't1', 104, { status: 'PASSED' }, [
      { mediaType: 'text/plain', body: 'record: /r/plain-attempt2.jsonl' },
    ]),
    ...attempt('a3', 't2', 107, VIOLATION),
    ...attempt('a4', 't3', 110, { status: 'PASSED' }),
  ]);
  assert.deepEqual(
    o.scenarios.map((s) => [s.status, s.flaky, s.attempts.length]),
    [
      ['passed', true, 2],
      ['failed', false, 1],
      ['passed', false, 1],
    ],
  );
  assert.deepEqual(
    o.scenarios[0]!.attempts.map((a) => a.record),
    ['/r/plain.jsonl', '/r/plain-attempt2.jsonl'],
  );
  assert.equal(o.counts.flaky, 1);
});

test('JUnit: unique names, failure versus error, skipped with its reason, properties, system-out, suite time', () => {
  const o = runOutcome([
    ...feature(),
    ...attempt('a1', 't1', 101, CONSOLE),
    ...attempt('a2', 't2', 104, VIOLATION, [
      { mediaType: 'text/plain', body: 'record: /r/o.jsonl' },
      { mediaType: 'text/plain', body: 'timeline: /r/o.timeline/index.html' },
      { mediaType: 'text/plain', fileName: 'traffic.txt', body: '+1ms device → broker PUBLISH s/us "100" ]]> x' },
    ]),
    ...attempt('a3', 't3', 107, { status: 'SKIPPED' }, [{ mediaType: 'text/plain', body: 'skipped: no wss' }]),
    { testRunFinished: { timestamp: ts(110) } },
  ]);
  const xml = junitXml(o, { device: 'ACME-7 (A1)', 'features.commit': 'abc123' });
  assert.match(
    xml,
    /<testsuite name="c8y-hil" time="10\.000" tests="3" failures="1" errors="1" skipped="1" timestamp="1970-01-01T00:01:40\.000Z">/,
  );
  assert.match(
    xml,
    /<property name="device" value="ACME-7 \(A1\)"\/><property name="features.commit" value="abc123"\/>/,
  );
  assert.match(
    xml,
    /name="plain" time="2\.000"><properties>.*<\/properties><error type="broken" message="ConsoleError: the console/,
  );
  assert.match(xml, /name="outline \(#1: mqtt\)".*<property name="rules" value="qos.as-configured"\/>/);
  assert.match(xml, /<property name="timeline" value="\/r\/o.timeline\/index.html"\/>/);
  assert.match(xml, /<failure type="qos.as-configured" message="\[qos.as-configured, violation\] QoS 1.">/);
  assert.match(
    xml,
    /<system-out><!\[CDATA\[\+1ms device → broker PUBLISH s\/us "100" \]\]\]\]><!\[CDATA\[> x\]\]><\/system-out>/,
  );
  assert.match(xml, /name="outline \(#2: wss\)".*<skipped message="no wss"\/>/);
});

test('GitHub annotations: one ::error per failed or broken scenario, at its feature line, escaped', () => {
  const o = runOutcome([...feature(), ...attempt('a1', 't1', 101, CONSOLE), ...attempt('a2', 't2', 104, VIOLATION)]);
  const text = githubAnnotations(o, '/repo', '/repo');
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.equal(
    lines[1],
    '::error file=features/a.feature,line=10,title=outline (#1%3A mqtt)%3A qos.as-configured::' +
      '[qos.as-configured, violation] QoS 1.%0AIt published at QoS 0.',
  );
  assert.match(lines[0]!, /^::error file=features\/a.feature,line=3,title=plain%3A broken::ConsoleError/);
});

test('JUnit: a measurement attached to a scenario is a property with its percentile, limit and verdict', () => {
  const m = {
    name: 'time to 501',
    unit: 'ms',
    values: [3, 900, 2500],
    limit: { max: 2000, percentile: 90 },
    at: 2500,
    ok: false,
  };
  const o = runOutcome([
    ...feature(),
    ...attempt('a1', 't1', 101, VIOLATION, [{ mediaType: 'text/plain', body: `measurement: ${JSON.stringify(m)}` }]),
  ]);
  assert.deepEqual(o.scenarios[0]!.attempts[0]!.measurements, [m]);
  assert.match(
    junitXml(o),
    /<property name="measurement.time to 501" value="p90 2500 ms \(limit 2000 ms\) over the limit; 3 values"\/>/,
  );
});

test('JUnit: a smallest-value limit reads "≥" and "under the limit"', () => {
  const m = { name: 'messages a second', unit: 'msg/s', values: [4], limit: { min: 5, percentile: 100 }, at: 4 };
  assert.equal(measurementText({ ...m, ok: false }), 'p100 4 msg/s (limit ≥ 5 msg/s) under the limit; 1 values');
  const ok = measurementText({ ...m, values: [6], at: 6, ok: true });
  assert.equal(ok, 'p100 6 msg/s (limit ≥ 5 msg/s) ok; 1 values');
});
