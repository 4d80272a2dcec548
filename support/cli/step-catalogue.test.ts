// The README's step catalogue lists every step the suite defines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

test('every step definition is in the README catalogue', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const missing: string[] = [];
  let found = 0;
  for (const f of readdirSync(join(root, 'steps')).filter((x) => x.endsWith('.steps.ts'))) {
    const src = readFileSync(join(root, 'steps', f), 'utf8');
    for (const m of src.matchAll(/^(Given|When|Then)\(\s*(['"])((?:(?!\2)[^\\]|\\.)+)\2/gm)) {
      const text = m[3]!.replace(/\\'/g, "'").replace(/\\\\\//g, '/');
      found++;
      if (!readme.includes('`' + `${m[1]} ${text}` + '`')) missing.push(`${m[1]} ${text} (${f})`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(found >= 45, `found ${found} step definitions`);
});
