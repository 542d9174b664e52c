import { parse } from 'csv-parse/sync';
import { formatCsvLine } from './csv-writer';

describe('formatCsvLine', () => {
  test('quotes only what needs it, and csv-parse reads back the same fields', () => {
    const fields = ['plain', 'with,comma', 'with "quotes"', 'two\nlines', ' padded ', '', 42, 'crlf\r\n'];
    const line = formatCsvLine(fields);
    expect(line.startsWith('plain,"with,comma","with ""quotes""","two\nlines"," padded ",,42,')).toBe(true);
    expect(parse(line)).toEqual([fields.map(String)]);
  });
});
