import { describe, expect, it } from 'vitest';
import { parseTypedDate, parseTypedDates } from './dates.js';

const TODAY = '2026-12-02';

describe('typed dates (every date prompt)', () => {
  it('reads the forms people write, Indonesian and English', () => {
    for (const text of ['16-12-2026', '16/12/2026', '16.12.2026', '2026-12-16', '16 Desember 2026', '16 desember 2026', '16 Des', '16 Des 2026', '16 December 2026', '16 Dec', '16 dec.', ' 16 Desember 2026 ']) {
      expect(parseTypedDate(text, TODAY), text).toBe('2026-12-16');
    }
    expect(parseTypedDate('17 Agustus 2027')).toBe('2027-08-17');
    expect(parseTypedDate('17 Agt 2027')).toBe('2027-08-17');
    expect(parseTypedDate('1 Mei 2027')).toBe('2027-05-01');
    expect(parseTypedDate('1 May 2027')).toBe('2027-05-01');
    expect(parseTypedDate('5 Okt 2027')).toBe('2027-10-05');
    expect(parseTypedDate('5 Oct 2027')).toBe('2027-10-05');
  });

  it('without a year the date is the next one on or after today', () => {
    expect(parseTypedDate('2 Des', TODAY)).toBe('2026-12-02');
    expect(parseTypedDate('1 Des', TODAY)).toBe('2027-12-01');
    expect(parseTypedDate('5 Jan', TODAY)).toBe('2027-01-05');
    expect(parseTypedDate('29 Feb', '2027-03-01')).toBe('2028-02-29');
    // Without today a year is required.
    expect(parseTypedDate('16 Des')).toBeNull();
  });

  it('several dates, separated by commas, spaces or "dan"/"and"', () => {
    expect(parseTypedDates('16 Des, 30 Des', TODAY)).toEqual(['2026-12-16', '2026-12-30']);
    expect(parseTypedDates('16-12-2026 30-12-2026', TODAY)).toEqual(['2026-12-16', '2026-12-30']);
    expect(parseTypedDates('16 Desember 2026 dan 13 Januari 2027', TODAY)).toEqual(['2026-12-16', '2027-01-13']);
    expect(parseTypedDates('16 December 2026 and 13 January 2027', TODAY)).toEqual(['2026-12-16', '2027-01-13']);
  });

  it('refuses what is not a real date or has other words', () => {
    for (const text of ['besok', '', '31-02-2027', '32 Des 2026', '16 Foo 2026', '16-13-2026', 'sekitar 16 Des', '16 Des kira-kira', '16122026']) {
      expect(parseTypedDates(text, TODAY), text).toBeNull();
    }
    expect(parseTypedDate('16 Des, 30 Des', TODAY)).toBeNull();
  });
});
