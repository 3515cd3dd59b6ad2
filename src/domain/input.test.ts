import { describe, expect, it } from 'vitest';
import { parseEvidenceLink, parseRealisasi, validateNarrative } from './input.js';

describe('parseRealisasi', () => {
  const limits = { target: 100, maxMultiple: 3 };

  const valid: [text: string, value: number, mayBeThousands: boolean][] = [
    ['12', 12, false],
    ['12,5', 12.5, false],
    ['12.5', 12.5, false],
    [' 12,50 ', 12.5, false],
    ['0', 0, false],
    ['-0', 0, false],
    ['+7', 7, false],
    [',5', 0.5, false],
    ['12,', 12, false],
    ['1.250', 1.25, true], // a single separator is always decimal; flagged so a UI can confirm
    ['1,250', 1.25, true],
    ['0,250', 0.25, false],
    ['300', 300, false], // exactly the limit
  ];

  it.each(valid)('%j -> %s', (text, value, mayBeThousands) => {
    expect(parseRealisasi(text, limits)).toEqual({ ok: true, value, limit: 300, mayBeThousands });
  });

  const invalid: [text: string, fault: string][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['abc', 'not_a_number'],
    ['12 kegiatan', 'not_a_number'],
    ['1.234,5', 'not_a_number'],
    ['1,234.5', 'not_a_number'],
    ['1e3', 'not_a_number'],
    ['.', 'not_a_number'],
    ['-', 'not_a_number'],
    ['12%', 'not_a_number'],
    ['-1', 'negative'],
    ['-0,5', 'negative'],
    ['300,1', 'too_large'],
    ['1000', 'too_large'],
  ];

  it.each(invalid)('%j is refused (%s) and the limit is reported', (text, fault) => {
    const result = parseRealisasi(text, limits);
    expect(result).toMatchObject({ ok: false, fault, limit: 300 });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });

  it('says the limit in the too_large message', () => {
    const result = parseRealisasi('1000', limits);
    expect(!result.ok && result.message).toBe('1000 is more than 3 times the target 100; enter at most 300, or check for an extra digit.');
  });

  it('applies no cap when the target is 0 (a "zero complaints" kind of indicator)', () => {
    expect(parseRealisasi('4', { target: 0, maxMultiple: 3 })).toEqual({ ok: true, value: 4, limit: null, mayBeThousands: false });
    expect(parseRealisasi('4000', { target: 10, maxMultiple: 0 })).toMatchObject({ ok: true, limit: null });
  });
});

describe('validateNarrative', () => {
  const limits = { min: 10, max: 20 };
  const cases: [text: string, fault: 'too_short' | 'too_long' | null, length: number][] = [
    ['', 'too_short', 0],
    ['   ', 'too_short', 0],
    ['Rapat ok', 'too_short', 8],
    ['  Rapat 3x  ', 'too_short', 8], // trimmed before counting
    ['Rapat 3 kali', null, 12],
    ['0123456789', null, 10], // exactly the minimum
    ['01234567890123456789', null, 20], // exactly the maximum
    ['012345678901234567890', 'too_long', 21],
    ['🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂', null, 10], // emoji count as one character each
  ];

  it.each(cases)('%j -> %s (length %i)', (text, fault, length) => {
    const result = validateNarrative(text, limits);
    if (fault === null) expect(result).toEqual({ ok: true, text: text.trim(), length });
    else expect(result).toMatchObject({ ok: false, fault, length, min: 10, max: 20 });
  });

  it('defaults to 10..2000 characters', () => {
    expect(validateNarrative('x'.repeat(2000)).ok).toBe(true);
    expect(validateNarrative('x'.repeat(2001))).toMatchObject({ ok: false, fault: 'too_long', length: 2001, max: 2000 });
    expect(validateNarrative('kurang')).toMatchObject({ ok: false, fault: 'too_short', length: 6, min: 10 });
  });
});

describe('parseEvidenceLink', () => {
  const cases: [text: string, expected: { ok: true; url: string } | { ok: false; fault: string }][] = [
    ['https://drive.google.com/file/d/abc/view', { ok: true, url: 'https://drive.google.com/file/d/abc/view' }],
    ['  http://intranet.jakarta.go.id/laporan?id=5  ', { ok: true, url: 'http://intranet.jakarta.go.id/laporan?id=5' }],
    ['HTTPS://Example.COM', { ok: true, url: 'https://example.com/' }],
    ['', { ok: false, fault: 'empty' }],
    ['drive.google.com/file/d/abc', { ok: false, fault: 'not_a_url' }],
    ['laporan kegiatan', { ok: false, fault: 'not_a_url' }],
    ['https://', { ok: false, fault: 'not_a_url' }],
    ['javascript:alert(1)', { ok: false, fault: 'unsupported_scheme' }],
    ['file:///C:/laporan.pdf', { ok: false, fault: 'unsupported_scheme' }],
    ['ftp://example.com/laporan.pdf', { ok: false, fault: 'unsupported_scheme' }],
    ['mailto:atasan@jakarta.go.id', { ok: false, fault: 'unsupported_scheme' }],
  ];

  it.each(cases)('%j', (text, expected) => {
    expect(parseEvidenceLink(text)).toMatchObject(expected);
  });
});
