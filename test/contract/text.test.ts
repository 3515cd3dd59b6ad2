/** Text that cannot break storage or replies: cleaning at the contract boundary and cuts between graphemes. */
import { describe, expect, it } from 'vitest';
import { cleanDeep, cleanText, cutText, graphemeBoundary } from '../../src/contract/index.js';

/** True when the string has no lone surrogate (it would not encode as UTF-8). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('cleanText', () => {
  it.each([
    ['NUL removed', 'ab\u0000c', 'abc'],
    ['C0, DEL and C1 controls removed', '\u0001a\u0007b\u001B[31mc\u007F\u0085d\u009F', 'a' + 'b' + '[31mc' + 'd'],
    ['tab and line breaks kept', 'a\tb\nc\r\nd', 'a\tb\nc\r\nd'],
    ['a lone high surrogate becomes U+FFFD', 'x\uD83Dy', 'x\uFFFDy'],
    ['a lone low surrogate becomes U+FFFD', 'x\uDE00', 'x\uFFFD'],
    ['a reversed pair becomes two U+FFFD', '\uDE00\uD83D', '\uFFFD\uFFFD'],
    ['emoji, RTL, zero-width and combining marks kept', '😀 مرحبا \u200B e\u0301 👨‍👩‍👧', '😀 مرحبا \u200B e\u0301 👨‍👩‍👧'],
  ])('%s', (_name, input, expected) => {
    expect(cleanText(input)).toBe(expected);
    expect(wellFormed(cleanText(input))).toBe(true);
  });

  it('cleanDeep cleans every string of a payload, keys included, and keeps numbers, booleans, null and dates', () => {
    const at = new Date('2026-12-01T03:00:00Z');
    expect(cleanDeep({ 'k\u0000': ['a\u0000', { t: '\uD800' }], n: 1, b: true, z: null, at })).toEqual({ k: ['a', { t: '\uFFFD' }], n: 1, b: true, z: null, at });
  });
});

describe('cutText between graphemes', () => {
  const a39 = 'a'.repeat(39);
  it.each([
    ['fits: unchanged', 'pendek', 40, '', 'pendek'],
    ['an emoji across the boundary is left out whole', a39 + '😀xyz', 40, '', a39],
    ['an emoji ending at the boundary is kept', 'a'.repeat(38) + '😀xyz', 40, '', 'a'.repeat(38) + '😀'],
    ['a ZWJ family is never split', a39.slice(0, 35) + '👨‍👩‍👧‍👦' + 'b', 40, '', a39.slice(0, 35)],
    ['a combining accent stays with its letter', a39 + 'e\u0301', 40, '', a39],
    ['a flag (two regional indicators) is never split', a39 + '🇮🇩', 40, '', a39],
    ['the ellipsis counts in the length', 'a'.repeat(38) + '😀😀', 40, '…', 'a'.repeat(38) + '…'],
  ])('%s', (_name, input, max, ellipsis, expected) => {
    const out = cutText(input, max, ellipsis);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
    expect(wellFormed(out)).toBe(true);
  });

  it('graphemeBoundary: the last boundary at or before max; 0 when the first grapheme is longer', () => {
    expect(graphemeBoundary('ab😀', 3)).toBe(2);
    expect(graphemeBoundary('👨‍👩‍👧‍👦', 4)).toBe(0);
    expect(graphemeBoundary('abc', 10)).toBe(3);
  });
});
