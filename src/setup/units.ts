/**
 * A unit's settings HR sets without SQL: its organisational rating (capaian kinerja organisasi) for a cycle,
 * one unit at a time or a file for many, which the curve check at close reads (SQL `org_rating_of`); and
 * where its public announcements go (`kinerja unit channel`; in chat, `/daftarkan_kanal`). Each change is
 * audited.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { ORG_RATINGS, type OrgRating } from '../domain/index.js';
import { appendAudit } from '../db/audit.js';
import { asJson, txOf, type Tx } from '../db/sql.js';
import { setUnitChannel, unitByCode } from '../db/units.js';
import { checkValueCount, mapColumns, type ColumnSpec } from './columns.js';
import { ImportRejectedError, ProblemList, UserFacingError } from './problems.js';
import { readTableFile, type ReadTableOptions, type Table } from './table-file.js';

/** A unit setting could not be changed; the message says why and what to do. */
export class UnitSetupError extends UserFacingError {}

/** `Baik`, `butuh perbaikan`, `Butuh-Perbaikan` and `butuh_perbaikan` are the same rating; null when none. */
export function parseOrgRating(text: string): OrgRating | null {
  const t = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return (ORG_RATINGS as readonly string[]).includes(t) ? (t as OrgRating) : null;
}

const RATING_HINT = ORG_RATINGS.join(', ');

/** The cycle, locked; ratings may change until the cycle is announced (the curve is checked at close). */
async function ratableCycle(tx: Tx, cycleId: number): Promise<void> {
  const [cycle] = await tx.query<{ status: string }>('select status from cycle where id = $1 for update', [cycleId]);
  if (!cycle) throw new UnitSetupError(`there is no cycle ${cycleId}; see kinerja cycle list`);
  if (cycle.status === 'announced') throw new UnitSetupError(`cycle ${cycleId} is already announced; its results are final and its units' ratings can no longer change`);
}

async function upsertRatings(tx: Tx, cycleId: number, rows: readonly { unit_id: number; rating: OrgRating }[], actor: string, at: Date): Promise<{ unit_id: number; previous: string | null }[]> {
  return tx.query<{ unit_id: number; previous: string | null }>(
    `with old as (select unit_id, rating from unit_rating where cycle_id = $1),
          up as (
            insert into unit_rating (cycle_id, unit_id, rating, set_by, set_at)
            select $1, x.unit_id, x.rating, $3, $4 from jsonb_to_recordset($2::jsonb) as x(unit_id int, rating text)
            on conflict (cycle_id, unit_id) do update set rating = excluded.rating, set_by = excluded.set_by, set_at = excluded.set_at
            returning unit_id)
     select up.unit_id, old.rating as previous from up left join old on old.unit_id = up.unit_id`,
    [cycleId, asJson(rows), actor, at],
  );
}

/**
 * Sets unit `unitCode`'s organisational rating for cycle `cycleId`.
 * @throws UnitSetupError for an unknown cycle or unit, a rating not on the list, or an announced cycle
 */
export async function setUnitRating(em: EntityManager, input: { cycleId: number; unitCode: string; rating: string }, opts: { actor: string; clock?: Clock }): Promise<{ unit: string; rating: OrgRating; previous: string | null }> {
  const rating = parseOrgRating(input.rating);
  if (!rating) throw new UnitSetupError(`--rating "${input.rating}" is not one of ${RATING_HINT}`);
  return em.transactional(async (t) => {
    const tx = txOf(t);
    await ratableCycle(tx, input.cycleId);
    const unit = await unitByCode(tx, input.unitCode.trim());
    if (!unit) throw new UnitSetupError(`there is no unit with code "${input.unitCode}"; unit codes come from the employee import (unit_kode)`);
    const now = (opts.clock ?? systemClock).now();
    const [r] = await upsertRatings(tx, input.cycleId, [{ unit_id: unit.id, rating }], opts.actor, now);
    await appendAudit(tx, { actor: opts.actor, action: 'unit.rating_set', subject: `unit:${unit.code}`, data: { cycle: input.cycleId, unit: unit.code, rating, previous: r?.previous ?? null } }, now);
    return { unit: unit.code, rating, previous: r?.previous ?? null };
  });
}

/** The ratings file's columns. */
export const UNIT_RATING_COLUMNS = [
  { key: 'unitCode', names: ['unit_kode', 'unit_code'], required: true },
  { key: 'rating', names: ['capaian', 'rating'], required: true },
] as const satisfies readonly ColumnSpec<string>[];
type RatingColumn = (typeof UNIT_RATING_COLUMNS)[number]['key'];

/** Reads `path` (CSV or XLSX) and imports its ratings into cycle `cycleId`. */
export async function importUnitRatingsFile(em: EntityManager, path: string, cycleId: number, opts: { actor: string; clock?: Clock; read?: ReadTableOptions }): Promise<{ file: string; rows: number; changed: number }> {
  return importUnitRatings(em, await readTableFile(path, opts.read), cycleId, opts);
}

/**
 * Every line checked (a known unit, once in the file, a rating on the list), then all written.
 * @throws ImportRejectedError listing every bad line (nothing written); UnitSetupError for the cycle
 */
export async function importUnitRatings(em: EntityManager, table: Table, cycleId: number, opts: { actor: string; clock?: Clock }): Promise<{ file: string; rows: number; changed: number }> {
  return em.transactional(async (t) => {
    const tx = txOf(t);
    await ratableCycle(tx, cycleId);
    const units = new Map((await tx.query<{ id: number; code: string }>('select id, code from unit')).map((u) => [u.code, u.id]));
    const problems = new ProblemList();
    problems.items.push(...table.problems.items);
    if (table.headers.length === 0) problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (unit_kode, capaian)');
    const cols = mapColumns<RatingColumn>(table, UNIT_RATING_COLUMNS, problems);
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
    const readingProblems = table.problems.items.length;
    const rows: { unit_id: number; rating: OrgRating; code: string }[] = [];
    const lineOf = new Map<string, number>();
    let rowCount = 0;
    for await (const batch of table.rowBatches) {
      for (const row of batch) {
        rowCount += 1;
        const before = problems.items.length;
        checkValueCount(row, table.headers.length, problems);
        const code = cols.get(row, 'unitCode');
        const raw = cols.get(row, 'rating');
        const unitId = units.get(code);
        if (code === '') problems.add(row.line, 'missing_field', 'unit_kode is empty');
        else if (unitId === undefined) problems.add(row.line, 'unknown_unit', `no unit with code "${code}"; unit codes come from the employee import`);
        else if (lineOf.has(code)) problems.add(row.line, 'duplicate_row', `unit ${code} is already on line ${lineOf.get(code)}; give each unit one rating`);
        else lineOf.set(code, row.line);
        const rating = parseOrgRating(raw);
        if (raw === '') problems.add(row.line, 'missing_field', `capaian is empty; use one of ${RATING_HINT}`);
        else if (!rating) problems.add(row.line, 'bad_value', `capaian "${raw}" is not one of ${RATING_HINT}`);
        if (problems.items.length === before && unitId !== undefined && rating) rows.push({ unit_id: unitId, rating, code });
      }
    }
    problems.items.push(...table.problems.items.slice(readingProblems));
    if (rowCount === 0 && table.headers.length > 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no units');
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
    const now = (opts.clock ?? systemClock).now();
    const written = await upsertRatings(tx, cycleId, rows, opts.actor, now);
    const ratingOf = new Map(rows.map((r) => [r.unit_id, r.rating]));
    const changed = written.filter((w) => w.previous !== ratingOf.get(w.unit_id)).length;
    const result = { file: table.file, rows: rows.length, changed };
    await appendAudit(tx, { actor: opts.actor, action: 'unit.ratings_imported', subject: `cycle:${cycleId}`, data: { ...result, cycle: cycleId, sha256: table.digest() } }, now);
    return result;
  });
}

/** How each platform names a group or channel the bot can post to. */
const CHANNEL_ID_RULES: Readonly<Record<string, { pattern: RegExp; example: string; what: string }>> = {
  telegram: { pattern: /^-\d{1,20}$/, example: '-1001234567890', what: 'a group chat id (negative number; forward a group message to @userinfobot or use /daftarkan_kanal in the group)' },
  slack: { pattern: /^[CG][A-Z0-9]{6,20}$/, example: 'C0123ABCD', what: 'a channel id (C... or G...; "Copy link" on the channel, the last part)' },
};

/**
 * Makes `chatId` the unit's announcement channel on `platform`.
 * @throws UnitSetupError for an unknown unit or an id that is not a group/channel id of that platform
 */
export async function setUnitChannelByCode(em: EntityManager, input: { unitCode: string; platform: string; chatId: string }, opts: { actor: string; clock?: Clock }): Promise<{ unit: string; previous: string | null }> {
  const rule = CHANNEL_ID_RULES[input.platform];
  if (!rule) throw new UnitSetupError(`unknown platform "${input.platform}"`);
  const chatId = input.chatId.trim();
  if (!rule.pattern.test(chatId)) throw new UnitSetupError(`--${input.platform} "${input.chatId}" is not ${rule.what}; e.g. ${rule.example}`);
  return em.transactional(async (t) => {
    const tx = txOf(t);
    const unit = await unitByCode(tx, input.unitCode.trim());
    if (!unit) throw new UnitSetupError(`there is no unit with code "${input.unitCode}"; unit codes come from the employee import (unit_kode)`);
    const now = (opts.clock ?? systemClock).now();
    const previous = await setUnitChannel(tx, unit.id, input.platform, chatId, now);
    await appendAudit(tx, { actor: opts.actor, action: 'unit.channel_registered', subject: `unit:${unit.code}`, data: { unit: unit.code, platform: input.platform, chatId, previous, via: 'cli' } }, now);
    return { unit: unit.code, previous };
  });
}
