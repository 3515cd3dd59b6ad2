/** The formula-injection rule, and the link-code mail merge that uses it too. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, neutraliseFormula } from '../../src/domain/spreadsheet-safe.js';
import { linkCodesCsv } from '../../src/setup/link-codes.js';

describe('spreadsheet-safe text', () => {
  it('prefixes text that starts with = + - @ TAB or CR with a single quote, and nothing else', () => {
    for (const s of ['=1+1', '+62 812', '-5', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseFormula(s)).toBe(`'${s}`);
    for (const s of ['', 'Budi', ' =x', "'=x", '1=1', 'a\n=b']) expect(neutraliseFormula(s)).toBe(s);
  });

  it('quotes per RFC 4180 only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('link-code CSVs neutralise names taken from HR files', () => {
    const text = linkCodesCsv([
      { nip: '199001012015032003', name: '=HYPERLINK("http://evil.example","klik")', email: '@x.example', code: 'ABCDEFGHJKMN', expiresAt: new Date('2027-01-08T02:00:00Z'), timezone: 'Asia/Jakarta' },
    ]);
    const [row] = parse(text, { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ nip: '199001012015032003', nama: '\'=HYPERLINK("http://evil.example","klik")', email: "'@x.example", code: 'ABCDEFGHJKMN' });
  });
});
