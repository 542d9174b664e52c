import { createReadStream, type ReadStream } from 'node:fs';
import { parse as parseRecord } from 'csv-parse/sync';
import { FatalError } from '../fatal-error';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on (a quoted field may span lines). */
  line: number;
}

/**
 * A record longer than this is a quote that was opened and never closed swallowing the rest of the file
 * (or not a CSV file at all); stop there instead of buffering it all.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

const QUOTE = '"';

/** csv-parse settings for records with quotes; the same rules apply to the plain lines split natively. */
const PARSE_OPTIONS = {
  relax_column_count: true,
  // A stray quote inside an unquoted field is kept as text: the field then fails validation on its own
  // instead of derailing every record after it.
  relax_quotes: true,
  record_delimiter: ['\r\n', '\n', '\r'],
};

/**
 * Streams a CSV file record by record, never holding more than a chunk of it: UTF-8 with or without a BOM,
 * CRLF / LF / CR line ends (mixed too), quoted fields with delimiters, quotes and line breaks inside.
 * Blank lines and records whose fields are all blank (the ",,,," rows spreadsheets leave) are skipped.
 * Records come with whatever number of fields they have: judging that is the caller's job, so a short row
 * is reported, not fatal. Broken quoting, after which nobody can tell where records start, is fatal.
 *
 * Lines without a quote character are split on commas here, which is exactly what csv-parse yields for
 * them and ten times faster than its character-by-character stream parser (which alone capped an import
 * at ~100k rows/s on a 2-core machine); any record with a quote in it is parsed by csv-parse, whose
 * "quote not closed" answer tells when the record continues on the next line.
 */
export class CsvReader {
  private readonly stream: ReadStream;

  constructor(readonly path: string) {
    // Opened lazily by the stream; errors (missing file, permissions) surface from the iteration.
    this.stream = createReadStream(path, { highWaterMark: 64 * 1024, encoding: 'utf8' });
  }

  get bytesRead(): number {
    return this.stream.bytesRead;
  }

  async *records(): AsyncGenerator<CsvRecord> {
    let rest = '';
    let lineNumber = 0;
    let first = true;
    // A record with quotes whose quoted field is still open at the end of a line.
    let open: QuotedRecord | undefined;

    const complete = (line: string, terminator: string): CsvRecord | undefined => {
      lineNumber += 1;
      if (!open) {
        if (line.length === 0) return undefined;
        if (line.indexOf(QUOTE) === -1) return nonBlank({ fields: line.split(','), line: lineNumber });
        open = { text: '', line: lineNumber, inQuotes: false, fieldStart: true };
      }
      const record = open;
      record.text += line;
      if (scanQuotes(line, record)) {
        // The line break is inside a quoted field: part of the value, and the record goes on.
        if (record.text.length > MAX_RECORD_CHARS) {
          throw new FatalError(
            `malformed CSV in ${this.path}: the quote opened on line ${record.line} is not closed within ${MAX_RECORD_CHARS} characters`,
          );
        }
        record.text += terminator;
        return undefined;
      }
      open = undefined;
      const fields = splitQuotedRecord(record.text);
      if (fields) return nonBlank({ fields, line: record.line });
      let parsed: string[][];
      try {
        parsed = parseRecord(record.text, PARSE_OPTIONS) as string[][];
      } catch (error) {
        throw malformed(error, record.line, this.path);
      }
      if (parsed.length !== 1) {
        throw malformed(new Error(`expected one record, read ${parsed.length}`), record.line, this.path);
      }
      return nonBlank({ fields: parsed[0]!, line: record.line });
    };

    try {
      for await (const chunk of this.stream as AsyncIterable<string>) {
        let text = rest + chunk;
        if (first) {
          first = false;
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        }
        let start = 0;
        // Cached positions of the next \n and \r, so each chunk is scanned once however many lines it has.
        let nextLf = text.indexOf('\n');
        let nextCr = text.indexOf('\r');
        for (;;) {
          if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf('\n', start);
          if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
          let end: number;
          let length: number;
          if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) {
            // A \r as the last character may be the first half of a \r\n split across chunks.
            if (nextCr === text.length - 1) break;
            end = nextCr;
            length = text.charCodeAt(nextCr + 1) === 10 ? 2 : 1;
          } else if (nextLf !== -1) {
            end = nextLf;
            length = 1;
          } else {
            break;
          }
          const record = complete(text.slice(start, end), text.slice(end, end + length));
          start = end + length;
          if (record) yield record;
        }
        rest = text.slice(start);
        if (rest.length > MAX_RECORD_CHARS) {
          throw new FatalError(
            `${this.path} line ${lineNumber + 1} is longer than ${MAX_RECORD_CHARS} characters`,
          );
        }
      }
      if (rest.length > 0 || open) {
        // A \r held back in case a \n followed is, at the end of the file, a line end of its own.
        const record = rest.endsWith('\r') ? complete(rest.slice(0, -1), '\r') : complete(rest, '');
        if (record) yield record;
        if (open) {
          throw new FatalError(
            `malformed CSV in ${this.path}: the quote opened on line ${open.line} is never closed (the rest of the file cannot be read reliably)`,
          );
        }
      }
    } catch (error) {
      throw translate(error, this.path);
    } finally {
      this.stream.destroy();
    }
  }
}

interface QuotedRecord {
  text: string;
  line: number;
  inQuotes: boolean;
  fieldStart: boolean;
}

/**
 * Follows the quoting of one line of a record (csv-parse's rules with relax_quotes: a quote opens a
 * quoted field only at the start of a field, "" inside one is a quote, and a quote anywhere else is
 * text) and says whether a quoted field is still open at its end. One pass per line, so a quote that is
 * never closed costs no more than reading the lines it swallows.
 */
function scanQuotes(line: string, state: QuotedRecord): boolean {
  for (let i = 0; i < line.length; i += 1) {
    const c = line.charCodeAt(i);
    if (state.inQuotes) {
      if (c === 34) {
        if (line.charCodeAt(i + 1) === 34) i += 1;
        else state.inQuotes = false;
      }
    } else if (c === 34 /* " */ && state.fieldStart) {
      state.inQuotes = true;
      state.fieldStart = false;
    } else {
      state.fieldStart = c === 44; /* , */
    }
  }
  return state.inQuotes;
}

/**
 * Splits a record with quotes in the shape files almost always have, every quote opening a field and
 * closing it right before a comma or the end (`a,"b, c","say ""hi""",d`), into what csv-parse yields for
 * it; undefined for any other shape (a quote inside an unquoted field, text after a closing quote), which
 * is left to csv-parse. csv-parse's per-call set-up cost more than the parsing on files whose product
 * names are quoted one line in eight. csv-reader.test.ts checks that both agree.
 */
export function splitQuotedRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  const length = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf(QUOTE, from);
        if (quote === -1) return undefined;
        if (text.charCodeAt(quote + 1) === 34) {
          value += text.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        value += text.slice(from, quote);
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === length) return fields;
      if (text.charCodeAt(i) !== 44 /* , */) return undefined;
      i += 1;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? length : comma;
      const value = text.slice(i, end);
      if (value.indexOf(QUOTE) !== -1) return undefined;
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

function nonBlank(record: CsvRecord): CsvRecord | undefined {
  for (const field of record.fields) if (field.trim() !== '') return record;
  return undefined;
}

function malformed(error: unknown, line: number, path: string): FatalError {
  const message = error instanceof Error ? error.message : String(error);
  return new FatalError(`malformed CSV in ${path} at line ${line}: ${message}`);
}

function translate(error: unknown, path: string): unknown {
  if (error instanceof FatalError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return new FatalError(`cannot read ${path}: no such file`);
  if (code === 'EACCES') return new FatalError(`cannot read ${path}: permission denied`);
  if (code === 'EISDIR') return new FatalError(`cannot read ${path}: it is a directory`);
  return error;
}
