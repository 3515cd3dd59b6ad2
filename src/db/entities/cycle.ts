/** Performance cycles, the indicators each cycle carries (from a template) and per-employee targets (RHK/IKI). */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Employee, ORG_RATINGS, Unit } from './organisation.js';

export const CYCLE_KINDS = ['bulanan', 'triwulan', 'semester', 'tahunan'] as const;
export const CYCLE_STATUSES = ['draft', 'open', 'reviewing', 'closed', 'announced'] as const;

/** Cycle settings that are data, not code (DOMAIN.md: configurable). */
export interface CycleSettings {
  /** Realisasi above target x this multiple is refused as absurd. */
  maxRealisasiMultiple?: number;
  /** Days after announcement during which an objection may be filed. */
  objectionWindowDays?: number;
  /** Coaching check-ins, in weeks after the plan. */
  checkInWeeks?: number[];
  /** Hours after the review deadline before the cycle closes. */
  closeGraceHours?: number;
  autoAnnounce?: boolean;
}

export const Cycle = defineEntity({
  name: 'Cycle',
  tableName: 'cycle',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(255),
    kind: p.enum([...CYCLE_KINDS]),
    periodStart: p.date(),
    periodEnd: p.date(),
    selfDeadline: p.date(),
    reviewDeadline: p.date(),
    status: p.enum([...CYCLE_STATUSES]).default('draft'),
    templateCode: p.string().length(64),
    matrixVersion: p.string().length(64),
    settings: p.json<CycleSettings>().default('{}'),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    openedAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    announcedAt: p.datetime().nullable(),
    /** HR's written reason for announcing over a broken distribution curve. */
    curveOverride: p.text().nullable(),
  },
});
export type ICycle = InferEntity<typeof Cycle>;

export const INDICATOR_KINDS = ['hasil_kerja', 'perilaku'] as const;

/** One indicator of a cycle, copied from its template when the cycle is created. */
export const Indicator = defineEntity({
  name: 'Indicator',
  tableName: 'indicator',
  uniques: [{ properties: ['cycle', 'code'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    cycle: () => p.manyToOne(Cycle).mapToPk(),
    code: p.string().length(64),
    kind: p.enum([...INDICATOR_KINDS]),
    nameId: p.string().length(255),
    nameEn: p.string().length(255),
    unitOfMeasure: p.string().length(64).nullable(),
    target: p.decimal('number').precision(16).scale(4).nullable(),
    position: p.integer().default(0),
  },
});
export type IIndicator = InferEntity<typeof Indicator>;

export const RHK_KINDS = ['utama', 'tambahan'] as const;

/** A planned work result (RHK) with its indicator (IKI) and target, for one employee in one cycle. */
export const EmployeeTarget = defineEntity({
  name: 'EmployeeTarget',
  tableName: 'employee_target',
  uniques: [{ properties: ['employee', 'cycle', 'code'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    employee: () => p.manyToOne(Employee).mapToPk(),
    cycle: () => p.manyToOne(Cycle).mapToPk().index(),
    code: p.string().length(64),
    rhkKind: p.enum([...RHK_KINDS]),
    rhk: p.text(),
    iki: p.text(),
    target: p.decimal('number').precision(16).scale(4),
    unitOfMeasure: p.string().length(64),
    position: p.integer().default(0),
  },
});
export type IEmployeeTarget = InferEntity<typeof EmployeeTarget>;

/** The unit's organisational rating (capaian kinerja organisasi) for one cycle: it fixes the unit's curve. */
export const UnitRating = defineEntity({
  name: 'UnitRating',
  tableName: 'unit_rating',
  properties: {
    cycle: () => p.manyToOne(Cycle).mapToPk().primary(),
    unit: () => p.manyToOne(Unit).mapToPk().primary().index(),
    rating: p.enum([...ORG_RATINGS]),
    setBy: p.string().length(128),
    setAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IUnitRating = InferEntity<typeof UnitRating>;
