/**
 * Reading a report's rows page by page through a server-side cursor: PostgreSQL sorts once and hands out
 * `pageSize` rows per FETCH, so memory stays flat however many people the cycle has.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';

/** A query parameter, sent as a real bind value. */
export type SqlParam = string | number | boolean | null | Date;

/** Runs `sql` (`?` placeholders) on `em`'s transaction, if any. */
export async function reportQuery<T extends object>(em: EntityManager, sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
  const query = em.getKnex().raw(sql, params as SqlParam[]);
  const trx = em.getTransactionContext();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows?: T[] };
  return result.rows ?? [];
}

/**
 * Calls `onPage` with consecutive pages of `sql`'s rows, in one read-only transaction (one consistent
 * snapshot for the whole file), and resolves when every row has been handed over.
 */
export async function forEachPage<T extends object>(
  em: EntityManager,
  sql: string,
  params: readonly SqlParam[],
  onPage: (rows: T[]) => Promise<void>,
  pageSize = 2000,
): Promise<void> {
  await em.transactional(async (tx) => {
    await reportQuery(tx, 'set transaction read only');
    // One row per person with several small lookups each looks expensive to the planner, which then spends
    // seconds JIT-compiling a query that runs in a fraction of that: compile nothing.
    await reportQuery(tx, 'set local jit = off');
    // The whole result is read, so plan for the total time (hash joins), not for the first rows; the sort
    // of the file's rows gets room in memory before it spills to disk.
    await reportQuery(tx, 'set local cursor_tuple_fraction = 1.0');
    await reportQuery(tx, "set local work_mem = '64MB'");
    await reportQuery(tx, `declare report_rows no scroll cursor for ${sql}`, params);
    // The next page is fetched while this one is written: the database and the writer work side by side.
    const fetchPage = () => {
      const page = reportQuery<T>(tx, `fetch ${pageSize} from report_rows`);
      page.catch(() => undefined); // awaited below; a failure surfaces there, never as an unhandled rejection
      return page;
    };
    let next = fetchPage();
    for (;;) {
      const rows = await next;
      const more = rows.length === pageSize;
      if (more) next = fetchPage();
      if (rows.length > 0) await onPage(rows);
      if (!more) break;
    }
    await reportQuery(tx, 'close report_rows');
  });
}

/**
 * A timestamptz column as an instant. The ORM's driver set-up hands timestamps over as PostgreSQL text
 * (`2026-11-20 03:00:00+00`), so raw rows are parsed here.
 */
export function instant(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const parsed = DateTime.fromSQL(String(value));
  return parsed.isValid ? parsed.toJSDate() : new Date(String(value));
}
