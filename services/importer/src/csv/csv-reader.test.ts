import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FatalError } from '../fatal-error';
import { CsvReader, MAX_RECORD_CHARS, splitQuotedRecord, type CsvRecord } from './csv-reader';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'csv-reader-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function file(content: string | Buffer): string {
  fileCount += 1;
  const name = path.join(dir, `f${fileCount}.csv`);
  writeFileSync(name, content);
  return name;
}

async function read(name: string): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of new CsvReader(name).records()) records.push(record);
  return records;
}

async function readText(content: string | Buffer): Promise<[number, string[]][]> {
  return (await read(file(content))).map((record) => [record.line, record.fields]);
}

describe('CsvReader', () => {
  test('a UTF-8 BOM, CRLF line ends and blank trailing lines', async () => {
    expect(await readText('\ufeffa,b\r\n1,2\r\n3,4\r\n\r\n\r\n')).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });

  test('LF, CR and a missing final line end', async () => {
    expect(await readText('a,b\n1,2\r3,4\r\n5,6')).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
      [4, ['5', '6']],
    ]);
    expect(await readText('a,b\r1,2\r')).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
    ]);
  });

  test('quoted fields keep delimiters, doubled quotes and line breaks; line numbers stay right', async () => {
    const text = 'a,b,c\n"x,y","say ""hi""",z\n1,"two\r\nlines\nand more",3\n4,5,6\n';
    expect(await readText(text)).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['x,y', 'say "hi"', 'z']],
      [3, ['1', 'two\r\nlines\nand more', '3']],
      [6, ['4', '5', '6']],
    ]);
  });

  test('blank lines and all-blank rows are skipped but counted', async () => {
    expect(await readText('a,b\n\n1,2\n  \n,,\n , \n3,4\n')).toEqual([
      [1, ['a', 'b']],
      [3, ['1', '2']],
      [7, ['3', '4']],
    ]);
  });

  test('rows with the wrong number of fields come through as they are', async () => {
    expect(await readText('a,b,c\n1,2\n1,2,3,4\n')).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', '2']],
      [3, ['1', '2', '3', '4']],
    ]);
  });

  test('a stray quote inside a field is kept as text instead of derailing the rest', async () => {
    expect(await readText('a,b\n5 1/2",x\n10,"ab"c\n11,12\n')).toEqual([
      [1, ['a', 'b']],
      [2, ['5 1/2"', 'x']],
      [3, ['10', '"ab"c']],
      [4, ['11', '12']],
    ]);
  });

  test('a quote that is never closed is fatal and names its line', async () => {
    const name = file('a,b\n1,2\n3,"open\n4,5\n6,7\n');
    await expect(read(name)).rejects.toThrow(
      new FatalError(
        `malformed CSV in ${name}: the quote opened on line 3 is never closed (the rest of the file cannot be read reliably)`,
      ),
    );
  });

  test('an unclosed quote in a big file stops at the size limit instead of buffering the file', async () => {
    const name = file(`a,b\n1,"${'x\n'.repeat(MAX_RECORD_CHARS)}2,3\n`);
    await expect(read(name)).rejects.toThrow(/quote opened on line 2 is not closed within/);
  });

  test('a line longer than the limit is fatal (not a CSV file)', async () => {
    await expect(read(file('a'.repeat(MAX_RECORD_CHARS + 10)))).rejects.toThrow(/line 1 is longer than/);
  });

  test('a missing file is a one-line fatal error', async () => {
    const name = path.join(dir, 'nope.csv');
    await expect(read(name)).rejects.toThrow(new FatalError(`cannot read ${name}: no such file`));
  });

  test('reads what csv-parse reads, across chunk boundaries, multi-byte characters and mixed line ends', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pieces = [
      'plain',
      'ünïcödé €',
      '注文',
      '🧾',
      'with,comma',
      'say "hi"',
      'two\nlines',
      'crlf\r\ninside',
      '',
    ];
    const ends = ['\n', '\r\n', '\r'];
    let text = 'h1,h2,h3\n';
    // Stray quotes inside unquoted fields, which are text.
    const raw = ['5 1/2"', 'x"y', 'a""'];
    while (text.length < 400_000) {
      const fields = [0, 1, 2].map(() => {
        if (random(10) === 0) return raw[random(raw.length)]!;
        const piece = pieces[random(pieces.length)]!;
        return /[",\r\n]/.test(piece) || random(4) === 0 ? `"${piece.replace(/"/g, '""')}"` : piece;
      });
      text += fields.join(',') + ends[random(ends.length)]!;
    }
    const expected = (
      parse(text, {
        relax_column_count: true,
        relax_quotes: true,
        record_delimiter: ['\r\n', '\n', '\r'],
        skip_empty_lines: true,
      }) as string[][]
    ).filter((fields) => fields.some((field) => field.trim() !== ''));
    const records = await read(file(text));
    expect(records.length).toBe(expected.length);
    expect(records.map((record) => record.fields)).toEqual(expected);
    // Line numbers only ever increase, by at least one per record.
    for (let i = 1; i < records.length; i += 1)
      expect(records[i]!.line).toBeGreaterThan(records[i - 1]!.line);
  });

  test('reports how far it has read', async () => {
    const name = file('a,b\n' + '1,2\n'.repeat(100_000));
    const reader = new CsvReader(name);
    let count = 0;
    for await (const _ of reader.records()) count += 1;
    expect(count).toBe(100_001);
    expect(reader.bytesRead).toBe(4 + 400_000);
  });
});

describe('splitQuotedRecord', () => {
  const options = { relax_column_count: true, relax_quotes: true, record_delimiter: ['\r\n', '\n', '\r'] };

  test('splits what it accepts exactly as csv-parse does, and leaves other shapes to it', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pieces = ['', 'a', 'b c', ' x ', ',', '"', '""', 'q"q', '\r\n', '\n', 'é€😀', 'Set of 4, blue'];
    let accepted = 0;
    let refused = 0;
    for (let n = 0; n < 5_000; n += 1) {
      const fields = Array.from({ length: 1 + random(6) }, () => {
        const piece = pieces[random(pieces.length)]! + pieces[random(pieces.length)]!;
        const quoted = `"${piece.replace(/"/g, '""')}"`;
        switch (random(8)) {
          case 0:
            return piece.replace(/[\r\n,]/g, ''); // maybe a stray quote in an unquoted field
          case 1:
            return `${quoted}x`; // text after the closing quote
          default:
            return /[",\r\n]/.test(piece) || random(2) === 0 ? quoted : piece;
        }
      });
      const text = fields.join(',');
      if (!text.includes('"')) continue;
      const ours = splitQuotedRecord(text);
      if (ours === undefined) {
        refused += 1;
        continue;
      }
      accepted += 1;
      expect([text, ours]).toEqual([text, (parse(text, options) as string[][])[0]]);
    }
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(1_000);
  });

  test('examples', () => {
    expect(splitQuotedRecord('a,"b, c","say ""hi""",d')).toEqual(['a', 'b, c', 'say "hi"', 'd']);
    expect(splitQuotedRecord('"",""')).toEqual(['', '']);
    expect(splitQuotedRecord('"a\r\nb",')).toEqual(['a\r\nb', '']);
    expect(splitQuotedRecord('a,b"c')).toBeUndefined();
    expect(splitQuotedRecord('"a"b,c')).toBeUndefined();
    expect(splitQuotedRecord(' "a",c')).toBeUndefined();
  });
});
