/**
 * Ratings and the Predikat Kinerja matrix (PermenPANRB 6/2022).
 *
 * An employee gets two separate ratings, Hasil Kerja (work results) and Perilaku Kerja (behaviour);
 * the predicate follows from both through a matrix. The matrix is versioned data because a cycle must
 * keep the predicate it was rated with even after the regulation changes.
 */
import { DomainError } from './errors.js';
import { roundToOneDecimal } from './rounding.js';

/** One rating level: `di_atas` (above expectation), `sesuai` (meets), `di_bawah` (below). */
export type Rating = 'di_atas' | 'sesuai' | 'di_bawah';

/** All rating levels, from best to worst. */
export const RATINGS: readonly Rating[] = ['di_atas', 'sesuai', 'di_bawah'];

/**
 * Predikat Kinerja: Sangat Baik (excellent), Baik (good), Butuh Perbaikan (needs improvement),
 * Kurang (poor / misconduct), Sangat Kurang (very poor).
 */
export type Predicate = 'sangat_baik' | 'baik' | 'butuh_perbaikan' | 'kurang' | 'sangat_kurang';

/** All predicates, from best to worst. */
export const PREDICATES: readonly Predicate[] = ['sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang'];

/** A versioned predicate matrix: `cells[hasilKerja][perilaku]` is the predicate. */
export interface PredicateMatrix {
  /** Recorded on each cycle so its predicates can be recomputed with the rules it used. */
  readonly version: string;
  /** Rows: Hasil Kerja rating; columns: Perilaku Kerja rating. */
  readonly cells: Readonly<Record<Rating, Readonly<Record<Rating, Predicate>>>>;
}

/** The matrix of PermenPANRB 6/2022 (DOMAIN.md, "Ratings"). */
export const PREDICATE_MATRIX_V1: PredicateMatrix = Object.freeze({
  version: 'permenpanrb-6-2022-v1',
  cells: Object.freeze({
    di_atas: Object.freeze({ di_bawah: 'kurang', sesuai: 'baik', di_atas: 'sangat_baik' }),
    sesuai: Object.freeze({ di_bawah: 'kurang', sesuai: 'baik', di_atas: 'baik' }),
    di_bawah: Object.freeze({ di_bawah: 'sangat_kurang', sesuai: 'butuh_perbaikan', di_atas: 'butuh_perbaikan' }),
  }),
});

/** The matrix a new cycle uses unless it says otherwise. */
export const CURRENT_PREDICATE_MATRIX: PredicateMatrix = PREDICATE_MATRIX_V1;

/** Every matrix version the system can still evaluate, by version. */
export const PREDICATE_MATRICES: Readonly<Record<string, PredicateMatrix>> = Object.freeze({
  [PREDICATE_MATRIX_V1.version]: PREDICATE_MATRIX_V1,
});

/** A cycle names a matrix version that this build does not know. */
export class UnknownMatrixVersionError extends DomainError {
  /** The version asked for. */
  readonly version: string;
  /** The versions that are known. */
  readonly knownVersions: readonly string[];

  constructor(version: string, knownVersions: readonly string[]) {
    super(
      'unknown_matrix_version',
      `unknown predicate matrix version "${version}"; known versions: ${knownVersions.join(', ')}`,
    );
    this.version = version;
    this.knownVersions = knownVersions;
  }
}

/**
 * The matrix with the given version, as recorded on a cycle.
 * @throws UnknownMatrixVersionError when no matrix has that version
 */
export function matrixByVersion(version: string): PredicateMatrix {
  const matrix = Object.hasOwn(PREDICATE_MATRICES, version) ? PREDICATE_MATRICES[version] : undefined;
  if (matrix === undefined) throw new UnknownMatrixVersionError(version, Object.keys(PREDICATE_MATRICES));
  return matrix;
}

/** A predicate together with the matrix version that produced it, to be stored side by side. */
export interface PredicateResult {
  readonly predicate: Predicate;
  readonly matrixVersion: string;
}

/**
 * The Predikat Kinerja for a Hasil Kerja and a Perilaku Kerja rating.
 * @param hasilKerja work-results rating (matrix row)
 * @param perilaku work-behaviour rating (matrix column)
 * @param matrix the cycle's matrix; defaults to the current one
 */
export function predicateFor(
  hasilKerja: Rating,
  perilaku: Rating,
  matrix: PredicateMatrix = CURRENT_PREDICATE_MATRIX,
): PredicateResult {
  return { predicate: matrix.cells[hasilKerja][perilaku], matrixVersion: matrix.version };
}

/** One indicator's rating, and whether it belongs to a main (utama) RHK. */
export interface IndicatorRating {
  readonly rating: Rating;
  /** True for an indicator of a main result (RHK utama); a main result below blocks "above". */
  readonly main: boolean;
}

/** The counts behind a Hasil Kerja suggestion, so a UI can show how it was reached. */
export interface HasilKerjaReasoning {
  readonly above: number;
  readonly meets: number;
  readonly below: number;
  readonly total: number;
  /** Main (utama) indicators rated below expectation. */
  readonly mainBelow: number;
}

/** Which rule of the guide decided a Hasil Kerja suggestion. */
export type HasilKerjaBasis =
  /** More than half above and no main result below. */
  | 'most_above'
  /** More than half above, but a main result is below, so it cannot be "above". */
  | 'main_below_blocks_above'
  /** More than half below. */
  | 'most_below'
  /** Neither above nor below applies. */
  | 'otherwise_meets';

/** A suggested Hasil Kerja rating; the supervisor decides, this only proposes. */
export interface HasilKerjaSuggestion {
  readonly rating: Rating;
  readonly basis: HasilKerjaBasis;
  readonly reasoning: HasilKerjaReasoning;
}

/** Asked for a Hasil Kerja suggestion without any indicator ratings. */
export class NoIndicatorRatingsError extends DomainError {
  constructor() {
    super('no_indicator_ratings', 'cannot suggest a Hasil Kerja rating without at least one indicator rating');
  }
}

/**
 * Suggests the Hasil Kerja rating from indicator ratings, following the guide in PermenPANRB 6/2022:
 * above = most/all above and no main result below; below = most/all below; otherwise meets.
 *
 * "Most" is read as a strict majority (more than half), so a tie never tips the suggestion away from
 * "meets": with a tie the supervisor should decide, not the arithmetic.
 * @throws NoIndicatorRatingsError when the list is empty
 */
export function suggestHasilKerja(indicatorRatings: readonly IndicatorRating[]): HasilKerjaSuggestion {
  if (indicatorRatings.length === 0) throw new NoIndicatorRatingsError();
  const count = (rating: Rating): number => indicatorRatings.filter((i) => i.rating === rating).length;
  const reasoning: HasilKerjaReasoning = {
    above: count('di_atas'),
    meets: count('sesuai'),
    below: count('di_bawah'),
    total: indicatorRatings.length,
    mainBelow: indicatorRatings.filter((i) => i.main && i.rating === 'di_bawah').length,
  };
  const isMost = (n: number): boolean => n * 2 > reasoning.total;

  if (isMost(reasoning.above)) {
    return reasoning.mainBelow === 0
      ? { rating: 'di_atas', basis: 'most_above', reasoning }
      : { rating: 'sesuai', basis: 'main_below_blocks_above', reasoning };
  }
  if (isMost(reasoning.below)) return { rating: 'di_bawah', basis: 'most_below', reasoning };
  return { rating: 'sesuai', basis: 'otherwise_meets', reasoning };
}

/**
 * Capaian (achievement) of one indicator: realisasi / target x 100, rounded to one decimal, as shown
 * beside the suggestion. Returns `null` when it cannot be computed (target 0 or a non-finite number),
 * because a division by zero must not show up as "Infinity %".
 */
export function capaianPercent(realisasi: number, target: number): number | null {
  if (target === 0 || !Number.isFinite(realisasi) || !Number.isFinite(target)) return null;
  return roundToOneDecimal((realisasi / target) * 100);
}
