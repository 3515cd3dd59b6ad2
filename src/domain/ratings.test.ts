import { describe, expect, it } from 'vitest';
import {
  PREDICATE_MATRIX_V1,
  UnknownMatrixVersionError,
  NoIndicatorRatingsError,
  capaianPercent,
  matrixByVersion,
  predicateFor,
  suggestHasilKerja,
  type IndicatorRating,
  type Predicate,
  type Rating,
} from './ratings.js';

describe('predicateFor (PermenPANRB 6/2022 matrix)', () => {
  const cases: [hasilKerja: Rating, perilaku: Rating, expected: Predicate][] = [
    ['di_atas', 'di_bawah', 'kurang'],
    ['di_atas', 'sesuai', 'baik'],
    ['di_atas', 'di_atas', 'sangat_baik'],
    ['sesuai', 'di_bawah', 'kurang'],
    ['sesuai', 'sesuai', 'baik'],
    ['sesuai', 'di_atas', 'baik'],
    ['di_bawah', 'di_bawah', 'sangat_kurang'],
    ['di_bawah', 'sesuai', 'butuh_perbaikan'],
    ['di_bawah', 'di_atas', 'butuh_perbaikan'],
  ];

  it.each(cases)('hasil kerja %s, perilaku %s -> %s', (hasilKerja, perilaku, expected) => {
    expect(predicateFor(hasilKerja, perilaku)).toEqual({ predicate: expected, matrixVersion: 'permenpanrb-6-2022-v1' });
  });

  it('uses the matrix it is given and reports that matrix version', () => {
    const strict = { version: 'test-strict', cells: { ...PREDICATE_MATRIX_V1.cells, sesuai: { di_bawah: 'sangat_kurang', sesuai: 'baik', di_atas: 'baik' } } } as const;
    expect(predicateFor('sesuai', 'di_bawah', strict)).toEqual({ predicate: 'sangat_kurang', matrixVersion: 'test-strict' });
  });
});

describe('matrixByVersion', () => {
  it('finds the recorded version', () => {
    expect(matrixByVersion('permenpanrb-6-2022-v1')).toBe(PREDICATE_MATRIX_V1);
  });

  it.each(['permenpanrb-6-2022-v9', '', 'toString', '__proto__'])('throws a clear error for unknown version %j', (version) => {
    expect(() => matrixByVersion(version)).toThrow(UnknownMatrixVersionError);
    expect(() => matrixByVersion(version)).toThrow(/unknown predicate matrix version .*known versions: permenpanrb-6-2022-v1/);
  });
});

describe('suggestHasilKerja', () => {
  const r = (spec: string): IndicatorRating[] =>
    // "A" above, "M" meets, "B" below; an uppercase-then-"!" marks a main (utama) indicator, e.g. "B!".
    spec.split(' ').map((token) => ({
      rating: ({ A: 'di_atas', M: 'sesuai', B: 'di_bawah' } as const)[token[0] as 'A' | 'M' | 'B'],
      main: token.endsWith('!'),
    }));

  const cases: [spec: string, rating: Rating, basis: string, counts: [above: number, meets: number, below: number, mainBelow: number]][] = [
    ['A! A A', 'di_atas', 'most_above', [3, 0, 0, 0]],
    ['A! A M', 'di_atas', 'most_above', [2, 1, 0, 0]],
    ['A! A B', 'di_atas', 'most_above', [2, 0, 1, 0]],
    ['A A B!', 'sesuai', 'main_below_blocks_above', [2, 0, 1, 1]],
    ['A A A A B!', 'sesuai', 'main_below_blocks_above', [4, 0, 1, 1]],
    ['A A M M', 'sesuai', 'otherwise_meets', [2, 2, 0, 0]],
    ['A A B B', 'sesuai', 'otherwise_meets', [2, 0, 2, 0]],
    ['B M', 'sesuai', 'otherwise_meets', [0, 1, 1, 0]],
    ['A M B', 'sesuai', 'otherwise_meets', [1, 1, 1, 0]],
    ['M! M M', 'sesuai', 'otherwise_meets', [0, 3, 0, 0]],
    ['B B A', 'di_bawah', 'most_below', [1, 0, 2, 0]],
    ['B! B! B!', 'di_bawah', 'most_below', [0, 0, 3, 3]],
    ['B!', 'di_bawah', 'most_below', [0, 0, 1, 1]],
    ['A', 'di_atas', 'most_above', [1, 0, 0, 0]],
  ];

  it.each(cases)('%s -> %s (%s)', (spec, rating, basis, [above, meets, below, mainBelow]) => {
    const total = above + meets + below;
    expect(suggestHasilKerja(r(spec))).toEqual({ rating, basis, reasoning: { above, meets, below, total, mainBelow } });
  });

  it('throws for an empty list', () => {
    expect(() => suggestHasilKerja([])).toThrow(NoIndicatorRatingsError);
    expect(() => suggestHasilKerja([])).toThrow(/at least one indicator rating/);
  });
});

describe('capaianPercent', () => {
  const cases: [realisasi: number, target: number, expected: number | null][] = [
    [12, 10, 120],
    [10, 10, 100],
    [1, 3, 33.3],
    [2, 3, 66.7],
    [0, 5, 0],
    [12.25, 100, 12.3],
    [1.005, 1, 100.5],
    [5, 0, null],
    [0, 0, null],
    [Number.NaN, 10, null],
    [10, Number.POSITIVE_INFINITY, null],
  ];

  it.each(cases)('realisasi %s / target %s -> %s', (realisasi, target, expected) => {
    expect(capaianPercent(realisasi, target)).toBe(expected);
  });
});
