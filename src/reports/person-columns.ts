/**
 * The columns both exports describe a person with (who, where, who rates them, how far they are), defined
 * once: the results and the monitoring export pick from this table, so a header, type or width cannot drift
 * between the two files HR puts side by side.
 */
import type { Column, ColumnKind } from './cell.js';
import type { Translate } from './labels.js';

const PERSON_COLUMNS = {
  nip: ['text', 20],
  name: ['text', 28],
  position: ['text', 28],
  unit_code: ['text', 14],
  unit_name: ['text', 32],
  supervisor_nip: ['text', 20],
  supervisor_name: ['text', 28],
  acting_kind: ['text', 10],
  acting_nip: ['text', 20],
  acting_name: ['text', 28],
  state: ['text', 16],
  answered: ['number', undefined],
  items: ['number', undefined],
  round: ['number', 8],
  submitted_at: ['datetime', undefined],
  reviewed_at: ['datetime', undefined],
  self_late: ['text', 12],
  review_late: ['text', 12],
} as const satisfies Record<string, readonly [ColumnKind, number | undefined]>;

export type PersonColumn = keyof typeof PERSON_COLUMNS;

/** The columns `keys`, in that order, with headers in the reader's language (`export.col.<key>`). */
export function personColumns(t: Translate, keys: readonly PersonColumn[]): Column[] {
  return keys.map((key) => {
    const [kind, width] = PERSON_COLUMNS[key];
    return width === undefined ? { header: t(`export.col.${key}`), kind } : { header: t(`export.col.${key}`), kind, width };
  });
}
