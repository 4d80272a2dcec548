// The rulebook: severities as SPEC 8 gives them, strict runs, every rule the code names exists, and
// records of format version 1 (no rule on their decisions) read with the same rules as new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finding, formatOf, ruleOf, RULES } from './rules.ts';

test('SPEC 8: the severities of the findings it lists', () => {
  const expect: Record<string, string> = {
    'clientid.format': 'violation',
    'escaping.needs-quotes': 'violation',
    'escaping.unbalanced-quote': 'violation',
    'escaping.doubled-quote': 'violation',
    'escaping.stray-backslash': 'warning',
    'topics.subscribe-publish-topic': 'violation',
    'topics.subscribe-before-registration': 'violation',
    'topics.publish-unknown': 'violation',
    'connect.last-will': 'warning',
    'sessions.clean-session-0': 'warning',
    'smartrest.unknown-template': 'violation',
    'smartrest.parameters': 'violation',
    'platform.device-exists': 'info',
    'operations.no-matching': 'warning',
    'operations.answered-twice': 'violation',
    'operations.status-topic': 'violation',
    'topics.json-via-mqtt': 'warning',
  };
  for (const [id, severity] of Object.entries(expect)) assert.equal(RULES.get(id)?.severity, severity, id);
});

test('strict runs count warnings as violations, and nothing else changes', () => {
  assert.deepEqual(finding('connect.last-will'), { rule: 'connect.last-will', severity: 'warning' });
  assert.deepEqual(finding('connect.last-will', true), { rule: 'connect.last-will', severity: 'violation' });
  assert.deepEqual(finding('platform.device-exists', true), { rule: 'platform.device-exists', severity: 'info' });
  assert.deepEqual(finding('clientid.format', true), { rule: 'clientid.format', severity: 'violation' });
  assert.throws(() => finding('no.such-rule'), /no rule 'no.such-rule'/);
});

test('every rule id the code names is in the rulebook, and every rule has a source and a sentence', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(new URL('.', import.meta.url).pathname);
  const named = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(
      /'((?:clientid|connect|sessions|topics|mqtt|escaping|smartrest|platform|hierarchy|operations|custom|jwt)\.[a-z0-9-]+)'/g,
    ))
      named.add(m[1]!);
  }
  assert.ok(named.size >= 30, `found ${named.size} rule ids in the code`);
  assert.deepEqual(
    [...named].filter((id) => !RULES.has(id)),
    [],
  );
  for (const r of RULES.values()) assert.ok(r.source.length > 0 && r.says.endsWith('.'), r.id);
});

test('format 2 events carry their rule; format 1 events get it from the decision', () => {
  assert.deepEqual(
    ruleOf({
      kind: 'decision',
      decision: 'subscription-refused',
      rule: 'topics.subscribe-before-registration',
      severity: 'violation',
    }),
    { rule: 'topics.subscribe-before-registration', severity: 'violation' },
  );
  const v1: [Record<string, unknown>, string | undefined][] = [
    [{ kind: 'decision', decision: 'clientid-rejected' }, 'clientid.format'],
    [{ kind: 'decision', decision: 'will-ignored' }, 'connect.last-will'],
    [{ kind: 'decision', decision: 'publish-refused' }, 'topics.publish-unknown'],
    [{ kind: 'decision', decision: 'smartrest-error', code: 40 }, 'smartrest.unknown-template'],
    [{ kind: 'decision', decision: 'smartrest-error', code: 45 }, 'smartrest.parameters'],
    [
      { kind: 'decision', decision: 'smartrest-finding', findings: [{ code: 'doubled-quote' }] },
      'escaping.doubled-quote',
    ],
    [
      { kind: 'decision', decision: 'smartrest-finding', findings: [{ code: 'stray-backslash' }] },
      'escaping.stray-backslash',
    ],
    [{ kind: 'decision', decision: 'connection-accepted' }, undefined],
    [{ kind: 'packet', type: 'publish' }, undefined],
  ];
  for (const [e, id] of v1) assert.equal(ruleOf(e, 1)?.rule, id, JSON.stringify(e));
  // in format 2 a decision without a rule is no finding (a client error after a refused login, say)
  assert.equal(ruleOf({ kind: 'decision', decision: 'client-error' }), undefined);
  assert.equal(formatOf([{ kind: 'meta', format: 'c8y-hil-record', version: 2 }]), 2);
  assert.equal(formatOf([{ kind: 'meta', format: 'c8y-hil-record', version: 1 }]), 1);
  assert.equal(
    ruleOf({ kind: 'decision', decision: 'smartrest-finding', findings: [{ code: 'stray-backslash' }] }, 1)!.severity,
    'warning',
  );
});

test('the README lists every rule with its severity', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const missing = [...RULES.values()]
    .filter((r) => !readme.includes(`| \`${r.id}\` | ${r.severity} |`))
    .map((r) => r.id);
  assert.deepEqual(missing, []);
});
