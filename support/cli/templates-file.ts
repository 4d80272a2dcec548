// Template collections that exist before the run (a device whose collection was made in the UI),
// read from a YAML or JSON file. Two forms:
//   - a mapping of X-ID to its 10 and 11 lines (a text with one line each, or a list of lines);
//   - Cumulocity's own JSON of a collection, as the UI exports it (or a list of them): a managed
//     object with __externalId and com_cumulocity_model_smartrest_csv_CsvSmartRestTemplate.
// Every collection is checked here: an error names the file, the collection and the line.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { parseLine, writeLine } from '../smartrest/codec.ts';
import { defineCollection, TemplateError } from '../smartrest/collection.ts';
import { UsageError } from './usage-error.ts';

const FRAGMENT = 'com_cumulocity_model_smartrest_csv_CsvSmartRestTemplate';

interface ExportedValue {
  path?: string;
  type?: string;
  value?: string | null;
}
interface ExportedRequest {
  msgId: string;
  method: string;
  api: string;
  response?: boolean | string;
  byId?: boolean;
  externalIdType?: string;
  mandatoryValues?: ExportedValue[];
  customValues?: ExportedValue[];
}
interface ExportedResponse {
  msgId: string;
  base?: string;
  condition?: string;
  pattern?: string[];
  patterns?: { path: string }[];
}
interface Exported {
  __externalId?: string;
  [FRAGMENT]?: { requestTemplates?: ExportedRequest[]; responseTemplates?: ExportedResponse[] };
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Cumulocity's JSON of a request template as its 10 line */
function requestLine(r: ExportedRequest): string {
  const head = [10, r.msgId, r.method, r.api, text(r.response)];
  const custom = (r.customValues ?? []).flatMap((v) => [text(v.path), text(v.type), text(v.value)]);
  if (r.api === 'INVENTORY' && r.method !== 'POST')
    return writeLine([...head, String(r.byId ?? false), text(r.externalIdType), ...custom]);
  if (r.api === 'INVENTORY') return writeLine([...head, text(r.externalIdType), ...custom]);
  return writeLine([...head, ...(r.mandatoryValues ?? []).map((v) => text(v.value)), ...custom]);
}

function responseLine(r: ExportedResponse): string {
  return writeLine([
    11,
    r.msgId,
    text(r.base),
    text(r.condition),
    ...(r.pattern ?? r.patterns?.map((p) => p.path) ?? []),
  ]);
}

function fromExport(file: string, e: Exported): [string, string[]] {
  if (!e.__externalId)
    throw new UsageError(`${file}: a collection in Cumulocity's JSON form needs "__externalId" (its X-ID)`);
  const t = e[FRAGMENT]!;
  return [
    e.__externalId,
    [...(t.requestTemplates ?? []).map(requestLine), ...(t.responseTemplates ?? []).map(responseLine)],
  ];
}

/** X-ID → lines, every collection checked; a UsageError naming the file and line otherwise */
export function readTemplatesFile(file: string): Record<string, string[]> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the templates file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(source);
  } catch (err) {
    throw new UsageError(
      `the templates file ${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const entries: [string, string[]][] = [];
  const items = Array.isArray(doc) ? doc : [doc];
  for (const item of items) {
    if (item === null || typeof item !== 'object')
      throw new UsageError(`${file}: expected a mapping of X-ID to lines, or Cumulocity's JSON of a collection`);
    if (FRAGMENT in item) {
      entries.push(fromExport(file, item as Exported));
      continue;
    }
    for (const [xid, lines] of Object.entries(item as Record<string, unknown>)) {
      const list =
        typeof lines === 'string' ? lines.split(/\r?\n/) : Array.isArray(lines) ? lines.map(String) : undefined;
      if (!list) throw new UsageError(`${file}: collection '${xid}' must be a text of 10/11 lines or a list of them`);
      entries.push([xid, list.map((l) => l.trim()).filter((l) => l !== '')]);
    }
  }
  for (const [xid, lines] of entries) {
    try {
      defineCollection(lines.map((l) => parseLine(l).fields));
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const at = source.split('\n').findIndex((l) => l.includes(lines[err.line] ?? '\u0000'));
      throw new UsageError(
        `${file}${at >= 0 ? `:${at + 1}` : ''}: collection '${xid}', template line ${err.line + 1}: ${err.message}`,
      );
    }
  }
  return Object.fromEntries(entries);
}
