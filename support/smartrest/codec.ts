// SmartREST 2.0 framing and escaping, as ../shared/SPEC.md section 5 states it.
// One pass over the payload: lines, fields, unescaping and every deviation from the seed's
// rules as a finding with its position. The reader never throws: bad input becomes findings.

export type FindingCode =
  | 'doubled-quote'        // "" used as an escaped quote inside quotes (the seed wants \")
  | 'needs-quotes'         // an unquoted field holds a quote or CR, which the seed says must be quoted
  | 'unquoted-whitespace'  // an unquoted field has leading or trailing whitespace (lost: it is trimmed)
  | 'stray-backslash'      // a backslash inside quotes before something other than " or \
  | 'unbalanced-quote'     // a quoted field never closes: the line is malformed
  | 'text-after-quote';    // characters between a closing quote and the next comma: malformed

export interface Finding {
  code: FindingCode;
  /** true when the line cannot be read as the device meant it */
  malformed: boolean;
  /** character offset in the whole payload */
  offset: number;
  /** 0-based line index within the payload and field index within the line */
  line: number;
  field: number;
  message: string;
}

export interface ParsedLine {
  /** the line's text as it stood in the payload, without its line break */
  text: string;
  fields: string[];
  findings: Finding[];
  malformed: boolean;
  /** character offset of the line's start in the payload */
  offset: number;
}

const MALFORMED: ReadonlySet<FindingCode> = new Set(['unbalanced-quote', 'text-after-quote']);

const MESSAGES: Record<FindingCode, string> = {
  'doubled-quote': 'a double quote is escaped by doubling it (""); the seed requires a backslash (\\")',
  'needs-quotes': 'the field holds a double quote or carriage return but is not enclosed in double quotes',
  'unquoted-whitespace': 'the field has leading or trailing whitespace but is not enclosed in double quotes, so the whitespace is lost',
  'stray-backslash': 'a backslash inside quotes is followed by neither " nor \\; it is kept as it is',
  'unbalanced-quote': 'a double quote opens a field that never closes',
  'text-after-quote': 'characters follow the closing double quote of a field before the next comma',
};

/** Read a payload (string or bytes) into lines. LF ends a line unless it stands inside quotes. */
export function parsePayload(payload: string | Uint8Array): ParsedLine[] {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const lines: ParsedLine[] = [];
  let pos = 0;
  while (pos <= text.length) {
    const line = readLine(text, pos, lines.length);
    // A payload that ends with LF has no further line; empty lines in between are skipped.
    if (line.parsed.text.length > 0) lines.push(line.parsed);
    if (line.next >= text.length) break;
    pos = line.next;
  }
  return lines;
}

/** Read exactly one message; a line break outside quotes is kept as field text (and flagged). */
export function parseLine(text: string): ParsedLine {
  return readLine(text, 0, 0, true).parsed;
}

interface LineRead { parsed: ParsedLine; next: number }

function readLine(text: string, start: number, lineIndex: number, whole = false): LineRead {
  const fields: string[] = [];
  const findings: Finding[] = [];
  const note = (code: FindingCode, offset: number) =>
    findings.push({ code, malformed: MALFORMED.has(code), offset, line: lineIndex, field: fields.length, message: MESSAGES[code] });

  let pos = start;
  let end = -1; // offset where the line's text ends (before CR LF)
  for (;;) {
    // one field per iteration
    if (text[pos] === '"') {
      const openedAt = pos;
      pos++;
      let value = '';
      let closed = false;
      while (pos < text.length) {
        const c = text[pos];
        if (c === '\\') {
          const n = text[pos + 1];
          if (n === '"' || n === '\\') { value += n; pos += 2; continue; }
          if (n !== undefined) note('stray-backslash', pos);
          value += c; pos++;
          continue;
        }
        if (c === '"') {
          if (text[pos + 1] === '"') { note('doubled-quote', pos); value += '"'; pos += 2; continue; }
          closed = true; pos++;
          break;
        }
        value += c; pos++;
      }
      if (!closed) {
        note('unbalanced-quote', openedAt);
        fields.push(value);
        end = text.length; pos = text.length;
        break;
      }
      // after the closing quote: a comma, the line's end, or stray text
      let stray = '';
      const strayAt = pos;
      while (pos < text.length && text[pos] !== ',' && !isLineEnd(text, pos, whole)) { stray += text[pos]; pos++; }
      if (stray.length > 0) note('text-after-quote', strayAt);
      fields.push(value + stray);
    } else {
      const fieldStart = pos;
      let raw = '';
      while (pos < text.length && text[pos] !== ',' && !isLineEnd(text, pos, whole)) {
        const c = text[pos];
        if (c === '"' || c === '\r' || (whole && c === '\n')) note('needs-quotes', pos);
        raw += c; pos++;
      }
      const trimmed = raw.trim();
      if (trimmed.length !== raw.length) note('unquoted-whitespace', fieldStart);
      fields.push(trimmed);
    }
    if (pos >= text.length) { end = text.length; break; }
    if (text[pos] === ',') { pos++; if (pos >= text.length) { fields.push(''); end = text.length; break; } continue; }
    // line end: LF, or CR LF
    end = pos;
    pos += text[pos] === '\r' ? 2 : 1;
    break;
  }
  const lineText = text.slice(start, end);
  return {
    parsed: { text: lineText, fields, findings, malformed: findings.some((f) => f.malformed), offset: start },
    next: pos,
  };
}

function isLineEnd(text: string, pos: number, whole: boolean): boolean {
  if (whole) return false;
  const c = text[pos];
  return c === '\n' || (c === '\r' && text[pos + 1] === '\n');
}

const NEEDS_QUOTES = /[,\n\r"]|^\s|\s$/;

/** Write one field, quoting exactly when SPEC section 5 requires it. */
export function writeField(value: string): string {
  if (!NEEDS_QUOTES.test(value)) return value;
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** Write one SmartREST line from its fields. */
export function writeLine(fields: readonly (string | number)[]): string {
  return fields.map((f) => writeField(String(f))).join(',');
}

/** Fields with empty trailing fields removed: `100,,` means the same as `100`. */
export function withoutTrailingEmpty(fields: readonly string[]): string[] {
  let n = fields.length;
  while (n > 1 && fields[n - 1] === '') n--;
  return fields.slice(0, n);
}
