/**
 * Rounding for percentages shown to people (capaian, distribution shares).
 */

/**
 * Rounds half away from zero to one decimal. The tiny nudge makes values such as 12.25, which binary
 * floating point stores as 12.2499..., round the way a person doing it by hand would.
 */
export function roundToOneDecimal(value: number): number {
  const scaled = Math.abs(value) * 10;
  const rounded = Math.round(scaled + Number.EPSILON * scaled) / 10;
  return value < 0 ? -rounded : rounded;
}
