import { describe, expect, it } from 'vitest';
import { TEXT_BOUNDS, checkTextLength, textLength, type TextKind } from './text.js';

describe('checkTextLength', () => {
  const kinds = Object.keys(TEXT_BOUNDS) as TextKind[];

  it.each(kinds)('%s: accepts its bounds exactly and refuses one past each, saying which', (kind) => {
    const { min, max } = TEXT_BOUNDS[kind];
    expect(checkTextLength(kind, 'x'.repeat(min))).toEqual({ ok: true, text: 'x'.repeat(min), length: min });
    expect(checkTextLength(kind, 'x'.repeat(max))).toMatchObject({ ok: true, length: max });
    expect(checkTextLength(kind, 'x'.repeat(max + 1))).toEqual({ ok: false, fault: 'too_long', max, length: max + 1 });
    expect(checkTextLength(kind, 'x'.repeat(min - 1))).toEqual({ ok: false, fault: 'too_short', min, length: min - 1 });
  });

  it.each([
    ['coaching_plan', 'x'.repeat(2001), { ok: false, fault: 'too_long', max: 2000, length: 2001 }],
    ['coaching_plan', 'kurang', { ok: false, fault: 'too_short', min: 10, length: 6 }],
    ['thread_message', 'x'.repeat(4001), { ok: false, fault: 'too_long', max: 4000, length: 4001 }],
    ['thread_message', '   ', { ok: false, fault: 'too_short', min: 1, length: 0 }],
    ['reflection', '', { ok: false, fault: 'too_short', min: 1, length: 0 }],
    ['feedback', '  Bagus sekali, lanjutkan.  ', { ok: true, text: 'Bagus sekali, lanjutkan.', length: 24 }],
  ] as const)('%s %j', (kind, text, expected) => {
    expect(checkTextLength(kind, text)).toEqual(expected);
  });

  it('counts code points after trimming: an emoji is one character, surrounding spaces none', () => {
    expect(textLength('👍🏽')).toBe(2); // a thumb and its skin tone: two code points
    expect(checkTextLength('narrative', ` ${'😀'.repeat(2000)} `)).toMatchObject({ ok: true, length: 2000 });
    expect(checkTextLength('narrative', '😀'.repeat(2001))).toMatchObject({ ok: false, fault: 'too_long', length: 2001 });
  });
});
