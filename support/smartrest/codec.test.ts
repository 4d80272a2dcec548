import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLine, parsePayload, writeLine, writeField, withoutTrailingEmpty } from './codec.ts';

const codes = (text: string) => parseLine(text).findings.map((f) => f.code);

test('the seed examples read as the seed says', () => {
  assert.deepEqual(parseLine('100,"This value, needs escaping",This value does not need escaping').fields,
    ['100', 'This value, needs escaping', 'This value does not need escaping']);
  assert.deepEqual(parseLine('511,myDeviceSerial,"execute this\nand this\nand \\"this\\""').fields,
    ['511', 'myDeviceSerial', 'execute this\nand this\nand "this"']);
});

test('writing quotes exactly when required and escapes quotes with a backslash', () => {
  assert.equal(writeField('plain'), 'plain');
  assert.equal(writeField('C:\\temp'), 'C:\\temp');
  assert.equal(writeField('a,b'), '"a,b"');
  assert.equal(writeField('say "hi"'), '"say \\"hi\\""');
  assert.equal(writeField('a\\b,c'), '"a\\\\b,c"');
  assert.equal(writeField('line\nbreak'), '"line\nbreak"');
  assert.equal(writeField('cr\rhere'), '"cr\rhere"');
  assert.equal(writeField(' lead'), '" lead"');
  assert.equal(writeField(''), '');
  assert.equal(writeLine([511, 'dev', 'execute this\nand "this"']), '511,dev,"execute this\nand \\"this\\""');
});

test('a payload splits into lines on LF, tolerates CR LF, keeps line breaks inside quotes', () => {
  const lines = parsePayload('200,c8y_T,T,1\r\n211,"a\nb"\n\n400,e,"x"\n');
  assert.deepEqual(lines.map((l) => l.fields), [['200', 'c8y_T', 'T', '1'], ['211', 'a\nb'], ['400', 'e', 'x']]);
  assert.equal(lines[2]!.offset, '200,c8y_T,T,1\r\n211,"a\nb"\n\n'.length);
  assert.ok(lines.every((l) => l.findings.length === 0));
});

test('strict reading reports each deviation with its position', () => {
  const doubled = parseLine('400,t,"say ""hi"""');
  assert.deepEqual(doubled.fields, ['400', 't', 'say "hi"']);
  assert.deepEqual(doubled.findings.map((f) => [f.code, f.offset, f.field]), [['doubled-quote', 11, 2], ['doubled-quote', 15, 2]]);
  assert.equal(doubled.malformed, false);

  assert.deepEqual(codes('400,t,say "hi"'), ['needs-quotes', 'needs-quotes']);
  assert.deepEqual(codes('400,t,"a\\qb"'), ['stray-backslash']);
  assert.deepEqual(parseLine('400,t,"a\\qb"').fields[2], 'a\\qb');
  assert.deepEqual(codes('400, t'), ['unquoted-whitespace']);

  const open = parseLine('400,t,"never closed');
  assert.equal(open.malformed, true);
  assert.deepEqual(open.findings.map((f) => [f.code, f.offset]), [['unbalanced-quote', 6]]);
  const after = parseLine('400,"t"x,y');
  assert.equal(after.malformed, true);
  assert.equal(after.findings[0]!.code, 'text-after-quote');
  assert.equal(after.findings[0]!.offset, 7);
});

test('an escaped quote at the end does not close the field', () => {
  assert.equal(parseLine('400,"abc\\"').malformed, true);
});

test('empty fields are kept, and trailing empty fields can be left off', () => {
  assert.deepEqual(parseLine('100,,').fields, ['100', '', '']);
  assert.deepEqual(withoutTrailingEmpty(parseLine('100,,').fields), ['100']);
  assert.deepEqual(parseLine('301,,text').fields, ['301', '', 'text']);
});

const anyText = fc.string({ unit: fc.oneof(fc.constantFrom(',', '"', '\\', '\r', '\n', ' ', '\t', 'é', '😀'), fc.string({ minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) });

test('property: writing then reading one line gives back any list of strings', () => {
  fc.assert(fc.property(fc.array(anyText, { minLength: 1, maxLength: 8 }), (fields) => {
    const line = parseLine(writeLine(fields));
    assert.deepEqual(line.fields, fields);
    assert.deepEqual(line.findings, []);
  }), { numRuns: 2000 });
});

test('property: several written lines in one payload read back line by line', () => {
  const line = fc.array(anyText, { minLength: 1, maxLength: 5 }).filter((f) => writeLine(f).length > 0);
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
    const payload = lines.map(writeLine).join('\n');
    assert.deepEqual(parsePayload(payload).map((l) => l.fields), lines);
  }), { numRuns: 1000 });
});

test('property: reading random bytes never throws and flags what it cannot read', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    for (const l of parsePayload(bytes)) {
      assert.ok(Array.isArray(l.fields) && l.fields.length >= 1);
      assert.equal(l.malformed, l.findings.some((f) => f.malformed));
    }
  }), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('"', ',', '\\', '\n', '\r', 'a', ' ') }), (s) => {
    // whatever was read, writing it again and reading that gives the same fields, with no finding
    for (const l of parsePayload(s)) {
      const again = parseLine(writeLine(l.fields));
      assert.deepEqual(again.fields, l.fields);
      assert.deepEqual(again.findings, []);
    }
  }), { numRuns: 3000 });
});
