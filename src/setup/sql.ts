/**
 * Raw SQL for bulk work (thousands of rows per statement) inside the caller's MikroORM transaction. Values
 * are sent as real query parameters, never spliced into the text, so a 10,000-row JSON batch costs one
 * round trip and no escaping.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** A query parameter: knex passes these straight to the pg driver. */
export type SqlValue = string | number | boolean | null | Date;

/** Runs `sql` (with `?` placeholders) in `em`'s transaction, if any, and returns the rows. */
export async function queryRows<T extends object>(em: EntityManager, sql: string, bindings: readonly SqlValue[] = []): Promise<T[]> {
  const query = em.getKnex().raw(sql, bindings as SqlValue[]);
  const trx = em.getTransactionContext();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows?: T[] };
  return result.rows ?? [];
}

/** Serialises rows for `jsonb_to_recordset(?::jsonb)`: one parameter however many rows. */
export function asJson(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
