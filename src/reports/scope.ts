/**
 * What an export covers: one cycle, optionally one unit with its sub-units. Unknown ids are refused with a
 * message that says where to look.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExportLanguage, Translate } from './labels.js';
import { reportQuery } from './cursor.js';

/** The export cannot be made as asked (unknown cycle or unit); the message says what to do. */
export class ExportRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportRequestError';
  }
}

/** The cycle being exported. */
export interface ExportCycle {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly selfDeadline: string;
  readonly reviewDeadline: string;
}

/** A resolved scope: the cycle and, when a unit was asked for, the ids of it and all units below it. */
export interface ExportScope {
  readonly cycle: ExportCycle;
  readonly unitIds: readonly number[] | null;
}

/** Looks up the cycle and the unit tree. */
export async function resolveScope(em: EntityManager, cycleId: number, unitCode?: string): Promise<ExportScope> {
  const [c] = await reportQuery<{ id: number; name: string; status: string; self_deadline: string; review_deadline: string }>(
    em,
    'select id, name, status, self_deadline::text as self_deadline, review_deadline::text as review_deadline from cycle where id = ?',
    [cycleId],
  );
  if (!c) throw new ExportRequestError(`there is no cycle ${cycleId}; see the ids with: kinerja cycle list`);
  const cycle: ExportCycle = { id: c.id, name: c.name, status: c.status, selfDeadline: c.self_deadline, reviewDeadline: c.review_deadline };
  if (unitCode === undefined) return { cycle, unitIds: null };
  const units = await reportQuery<{ id: number }>(
    em,
    `with recursive tree as (select id from unit where code = ? union all select u.id from unit u join tree t on u.parent_id = t.id)
     select id from tree`,
    [unitCode],
  );
  if (units.length === 0) throw new ExportRequestError(`there is no unit with code ${unitCode}; the codes are the unit_kode column of the employee file`);
  return { cycle, unitIds: units.map((u) => u.id) };
}

/** What to export and how. */
export interface ExportOptions {
  readonly cycleId: number;
  /** A unit code: that unit and every unit below it. */
  readonly unitCode?: string;
  readonly t: Translate;
  readonly lang: ExportLanguage;
  /** The moment the export is taken: what is late is judged against it. */
  readonly now: Date;
  /** Rows fetched per cursor page. */
  readonly pageSize?: number;
}

/** What was written. */
export interface ExportOutcome {
  readonly rows: number;
  readonly cycle: ExportCycle;
}

