import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEZONE, resolveTimezone, timezoneAlias } from './timezones.js';

describe('resolveTimezone', () => {
  const valid: [input: string, timezone: string][] = [
    ['WIB', 'Asia/Jakarta'],
    ['wib', 'Asia/Jakarta'],
    [' Wib ', 'Asia/Jakarta'],
    ['WITA', 'Asia/Makassar'],
    ['wita', 'Asia/Makassar'],
    ['WIT', 'Asia/Jayapura'],
    ['wit', 'Asia/Jayapura'],
    ['Asia/Jakarta', 'Asia/Jakarta'],
    ['asia/jayapura', 'Asia/Jayapura'],
    ['ASIA/MAKASSAR', 'Asia/Makassar'],
    ['Asia/Ujung_Pandang', 'Asia/Makassar'], // old IANA alias, stored canonically
    ['Asia/Pontianak', 'Asia/Pontianak'],
    ['UTC', 'UTC'],
  ];

  it.each(valid)('%j -> %s', (input, timezone) => {
    expect(resolveTimezone(input)).toEqual({ ok: true, timezone });
  });

  const invalid: [input: string, fault: string][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['WITB', 'unknown_timezone'],
    ['GMT+7', 'unknown_timezone'],
    ['Asia/Bandung', 'unknown_timezone'],
    ['Jakarta', 'unknown_timezone'],
  ];

  it.each(invalid)('%j is refused (%s) with a message naming the accepted forms', (input, fault) => {
    const result = resolveTimezone(input);
    expect(result).toMatchObject({ ok: false, fault });
    if (!result.ok) expect(result.message).toMatch(/WIB, WITA, WIT or an IANA name/);
  });

  it('defaults to WIB', () => {
    expect(DEFAULT_TIMEZONE).toBe('Asia/Jakarta');
  });
});

describe('timezoneAlias', () => {
  it.each([
    ['Asia/Jakarta', 'WIB'],
    ['Asia/Pontianak', 'WIB'],
    ['Asia/Makassar', 'WITA'],
    ['Asia/Jayapura', 'WIT'],
    ['Europe/Amsterdam', null],
  ])('%s -> %s', (timezone, alias) => {
    expect(timezoneAlias(timezone)).toBe(alias);
  });
});
