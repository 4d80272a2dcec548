// GitHub Actions workflow commands: each failed or broken scenario as an error annotation on its
// feature line, so a pull request shows where the device failed and which rule it broke.
import { relative, resolve } from 'node:path';
import type { RunOutcome } from './outcomes.ts';

/** workflow command values escape %, CR and LF; properties also escape : and , */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function githubAnnotations(o: RunOutcome, root: string, workspace = process.env.GITHUB_WORKSPACE): string {
  const base = workspace ? resolve(workspace) : process.cwd();
  return o.scenarios
    .filter((s) => s.status === 'failed' || s.status === 'broken')
    .map((s) => {
      const last = s.attempts.at(-1)!;
      const file = relative(base, resolve(root, s.uri));
      const title = s.status === 'failed' ? `${s.name}: ${last.rules.join(', ') || 'failed'}` : `${s.name}: broken`;
      const text = last.message.split('\n').slice(0, 12).join('\n');
      return `::error file=${prop(file)},line=${s.line},title=${prop(title)}::${data(text)}\n`;
    })
    .join('');
}
