/**
 * Organisation: units (OPD and sub-units), employees (ASN, identified by NIP), acting assignments (PLT/PLH)
 * and the working-day calendar HR loads. Relations are mapped to primary keys so rows stay plain data.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const POSITION_KINDS = ['jpt', 'administrator', 'pengawas', 'pelaksana', 'fungsional'] as const;
export type PositionKind = (typeof POSITION_KINDS)[number];
export const ROLES = ['pegawai', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const LOCALES = ['id', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const ORG_RATINGS = ['istimewa', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang'] as const;

/** Where a unit's public announcements go (Sangat Baik awards, public apresiasi), per platform (chat or channel ids). */
export interface UnitChannels {
  telegram?: string;
  slack?: string;
}

export const Unit = defineEntity({
  name: 'Unit',
  tableName: 'unit',
  properties: {
    id: p.integer().primary().autoincrement(),
    code: p.string().length(64).unique(),
    name: p.string().length(255),
    /** Parent unit; a plain id because defineEntity cannot type a self-reference. */
    parentId: p.integer().nullable().index(),
    /** The standing organisational rating, for cycles without their own (`unit_rating`; SQL `org_rating_of`). */
    orgRating: p.enum([...ORG_RATINGS]).nullable(),
    announceChannels: p.json<UnitChannels>().default('{}'),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    updatedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IUnit = InferEntity<typeof Unit>;

export const Employee = defineEntity({
  name: 'Employee',
  tableName: 'employee',
  properties: {
    id: p.integer().primary().autoincrement(),
    nip: p.string().length(18).unique(),
    name: p.string().length(255),
    email: p.string().length(320).nullable().index(),
    position: p.string().length(255).default(''),
    positionKind: p.enum([...POSITION_KINDS]),
    unit: () => p.manyToOne(Unit).mapToPk().index(),
    /** Supervisor of record (atasan langsung); a plain id because defineEntity cannot type a self-reference. */
    supervisorId: p.integer().nullable().index(),
    roles: p.array().default('{pegawai}'),
    timezone: p.string().length(64).default('Asia/Jakarta'),
    locale: p.enum([...LOCALES]).default('id'),
    active: p.boolean().default(true),
    optOutAnnouncements: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    updatedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IEmployee = InferEntity<typeof Employee>;

export const ACTING_KINDS = ['plt', 'plh'] as const;

/** PLT/PLH: `actingEmployee` rates in place of `forEmployee` from `startsOn` to `endsOn` inclusive. */
export const ActingAssignment = defineEntity({
  name: 'ActingAssignment',
  tableName: 'acting_assignment',
  properties: {
    id: p.integer().primary().autoincrement(),
    kind: p.enum([...ACTING_KINDS]),
    actingEmployee: () => p.manyToOne(Employee).mapToPk().index(),
    forEmployee: () => p.manyToOne(Employee).mapToPk().index(),
    startsOn: p.date(),
    endsOn: p.date(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IActingAssignment = InferEntity<typeof ActingAssignment>;

export const HOLIDAY_KINDS = ['nasional', 'cuti_bersama', 'daerah'] as const;

/** A day HR loaded from the official decree; it wins over the library's default national holidays. */
export const Holiday = defineEntity({
  name: 'Holiday',
  tableName: 'holiday',
  properties: {
    id: p.integer().primary().autoincrement(),
    date: p.date().unique(),
    name: p.string().length(255),
    kind: p.enum([...HOLIDAY_KINDS]),
    workingDay: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IHoliday = InferEntity<typeof Holiday>;
