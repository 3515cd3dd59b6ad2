/**
 * The per-unit picture HR reads first (BKN's Monitoring Pengisian and Monitoring Kurva): head count, how many
 * are in each completion state, how many hold each predikat, and whether that fits the curve the unit's
 * organisational rating allows. Counted while the rows stream past, so nothing is read twice.
 */
import { COMPLETION_STATES, type CompletionState } from '../domain/completion.js';
import { allowedCountFor, checkDistribution, DEFAULT_CURVE, type OrgRating } from '../domain/distribution.js';
import { PREDICATES, type Predicate } from '../domain/ratings.js';
import { roundToOneDecimal } from '../domain/rounding.js';
import type { Column, Row } from './cell.js';
import type { Translate } from './labels.js';

export interface UnitTally {
  code: string;
  name: string;
  orgRating: OrgRating | null;
  total: number;
  states: Record<CompletionState, number>;
  predicates: Record<Predicate, number>;
  /** Supervisor feedback and (not hidden) recognitions the unit's people gathered in the period. */
  feedback: number;
  recognitions: number;
}

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Counts per unit. */
export class UnitSummary {
  private readonly byId = new Map<number, UnitTally>();

  /** Counts one employee (or `n` employees in the same state with the same predikat). */
  add(unit: { id: number; code: string; name: string; orgRating: string | null }, state: CompletionState, predicate: string | null, n = 1): void {
    let t = this.byId.get(unit.id);
    if (!t) {
      t = { code: unit.code, name: unit.name, orgRating: (unit.orgRating as OrgRating | null) ?? null, total: 0, states: zeroes(COMPLETION_STATES), predicates: zeroes(PREDICATES), feedback: 0, recognitions: 0 };
      this.byId.set(unit.id, t);
    }
    t.total += n;
    t.states[state] += n;
    if (predicate !== null && (PREDICATES as readonly string[]).includes(predicate)) t.predicates[predicate as Predicate] += n;
  }

  /** Adds feedback and recognitions gathered by people of unit `unitId` (counted with `add` first). */
  addGathered(unitId: number, feedback: number, recognitions: number): void {
    const t = this.byId.get(unitId);
    if (!t) return;
    t.feedback += feedback;
    t.recognitions += recognitions;
  }

  /** The tallies, by unit code: what the monitoring pictures and the HR page show. */
  units(): readonly Readonly<UnitTally>[] {
    return this.sorted();
  }

  private sorted(): UnitTally[] {
    return [...this.byId.values()].sort((a, b) => a.code.localeCompare(b.code));
  }

  /** Completion per unit: head count, one column per state, and the shares submitted and reviewed. */
  completionTable(t: Translate): { columns: Column[]; rows: Row[] } {
    const columns: Column[] = [
      { header: t('export.col.unit_code'), kind: 'text', width: 14 },
      { header: t('export.col.unit_name'), kind: 'text', width: 36 },
      { header: t('export.col.total'), kind: 'number' },
      ...COMPLETION_STATES.map((s): Column => ({ header: t(`export.state.${s}`), kind: 'number' })),
      { header: t('export.col.submitted_percent'), kind: 'number', width: 16 },
      { header: t('export.col.reviewed_percent'), kind: 'number', width: 16 },
    ];
    const rows = this.sorted().map((u): Row => {
      const submitted = u.states.submitted + u.states.returned + u.states.reviewed;
      return [u.code, u.name, u.total, ...COMPLETION_STATES.map((s) => u.states[s]), percent(submitted, u.total), percent(u.states.reviewed, u.total)];
    });
    return { columns, rows };
  }

  /** Completion plus predikat counts against the unit's curve (when the unit has an organisational rating). */
  resultsTable(t: Translate): { columns: Column[]; rows: Row[] } {
    const completion = this.completionTable(t);
    const columns: Column[] = [
      ...completion.columns,
      { header: t('export.col.org_rating'), kind: 'text', width: 22 },
      ...PREDICATES.map((p): Column => ({ header: t('export.col.predicate_count', { predicate: t(`predicate.${p}`) }), kind: 'number', width: 14 })),
      { header: t('export.col.rated'), kind: 'number' },
      { header: t('export.col.curve'), kind: 'text', width: 60 },
      { header: t('export.col.curve_ok'), kind: 'text', width: 14 },
      { header: t('export.col.feedback_count'), kind: 'number', width: 14 },
      { header: t('export.col.recognition_count'), kind: 'number', width: 14 },
    ];
    const rows = this.sorted().map((u, i): Row => {
      const rated = PREDICATES.reduce((n, p) => n + u.predicates[p], 0);
      let curve: string | null = null;
      let ok: string = t('export.value.no_org_rating');
      if (u.orgRating && Object.hasOwn(DEFAULT_CURVE, u.orgRating)) {
        const predicates = PREDICATES.flatMap((p) => Array<Predicate>(u.predicates[p]).fill(p));
        curve = DEFAULT_CURVE[u.orgRating]
          .map((rule) =>
            t(rule.op === 'max' ? 'export.curve.max' : 'export.curve.min', {
              predicates: rule.predicates.map((p) => t(`predicate.${p}`)).join(' / '),
              limit: rule.count !== undefined ? String(rule.count) : `${rule.percent}%`,
              allowed: allowedCountFor(rule, rated),
              actual: rule.predicates.reduce((n, p) => n + u.predicates[p], 0),
            }),
          )
          .join('; ');
        ok = checkDistribution(u.orgRating, predicates).length === 0 ? t('export.value.yes') : t('export.value.no');
      }
      return [
        ...completion.rows[i]!,
        u.orgRating ? t(`org_rating.${u.orgRating}`) : null,
        ...PREDICATES.map((p) => u.predicates[p]),
        rated,
        curve,
        ok,
        u.feedback,
        u.recognitions,
      ];
    });
    return { columns, rows };
  }
}

function percent(n: number, total: number): number | null {
  return total === 0 ? null : roundToOneDecimal((n / total) * 100);
}
