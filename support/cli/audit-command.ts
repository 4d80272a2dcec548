// `c8y-hil audit RECORD.jsonl|DIR`: the rulebook over any record (a scenario's, or one that
// `c8y-hil broker` wrote while a device ran on its own), per device the record holds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { audit, devicesIn, formatAudit, type Audit } from '../checks/audit.ts';
import type { RecordEvent } from '../record/events.ts';
import { RECORD_FORMAT } from '../record/events.ts';
import { optionProblem, UsageError } from './usage-error.ts';

export const AUDIT_HELP = `Usage: c8y-hil audit RECORD.jsonl|DIR [--device ID] [--strict] [--json] [--all]

Judges every device in the record(s) by every passive rule of the rulebook (README: the rule
table) and prints a table per device: violations, warnings, and the evidence of each.
A folder is every *.jsonl in it. --device limits it to one device identifier; --strict counts
warnings as violations; --json prints the audits as JSON; --all lists the rules kept too.
Exit code: 0 no violation, 1 violations, 2 not a record or bad input.
`;

/** a record file read and checked: one JSON event a line, opening with c8y-hil's header */
export function readRecord(path: string): RecordEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const events: RecordEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RecordEvent);
    } catch (err) {
      // a crash can leave the last line cut off: everything before it still counts
      if (
        i === text.split('\n').length - 1 ||
        text
          .split('\n')
          .slice(i + 1)
          .every((l) => l.trim() === '')
      )
        return;
      throw new UsageError(`${path}, line ${i + 1}: not JSON (${(err as Error).message}); is this a c8y-hil record?`);
    }
  });
  if (events[0]?.format !== RECORD_FORMAT) {
    throw new UsageError(
      `${path}: the first line is not a c8y-hil record header (format "${RECORD_FORMAT}"), so this is not a record c8y-hil wrote`,
    );
  }
  return events;
}

function recordFiles(target: string): string[] {
  let st;
  try {
    st = statSync(target);
  } catch {
    throw new UsageError(`no record or folder at ${target}`);
  }
  if (!st.isDirectory()) return [target];
  const files = readdirSync(target)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(target, f));
  if (files.length === 0) throw new UsageError(`${target} holds no *.jsonl record`);
  return files;
}

export function auditCommand(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        device: { type: 'string' },
        strict: { type: 'boolean' },
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${optionProblem(err as Error)} (see c8y-hil audit --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(AUDIT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one record file or folder (see c8y-hil audit --help)');
  const results: { record: string; audits: Audit[] }[] = [];
  for (const file of recordFiles(resolve(positionals[0]!))) {
    const events = readRecord(file);
    const devices = values.device ? [values.device] : devicesIn(events);
    results.push({
      record: file,
      audits: devices.map((deviceId) => audit({ events, deviceId, recordPath: file, strict: values.strict ?? false })),
    });
  }
  const violations = results.reduce((n, r) => n + r.audits.reduce((m, a) => m + a.violations.length, 0), 0);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ violations, records: results.map((r) => ({ record: r.record, devices: r.audits })) }, null, 1) +
        '\n',
    );
  } else {
    for (const r of results) {
      process.stdout.write(`${r.record}\n`);
      if (r.audits.length === 0) process.stdout.write('  no device connected in this record\n');
      for (const a of r.audits)
        process.stdout.write(formatAudit(a, { all: values.all ?? false }).replace(/^/gm, '  ') + '\n');
    }
    process.stdout.write(
      `${violations === 0 ? 'no violation' : `${violations} violation(s)`} in ${results.length} record(s)\n`,
    );
  }
  return violations === 0 ? 0 : 1;
}
