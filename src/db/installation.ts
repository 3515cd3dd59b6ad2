/**
 * The database's own id (table `installation`, one row written by its migration). Read where something
 * outside the database names its rows: BullMQ job ids (src/jobs/delivery.ts).
 */
import type { Tx } from './sql.js';

/** The id as an SQL expression, to fold into a query that reads rows anyway (evaluated once per statement). */
export const DATABASE_ID_SQL = `(select id::text from installation limit 1)`;

/** This database's id (a UUID). */
export async function databaseId(tx: Tx): Promise<string> {
  const rows = await tx.query<{ id: string | null }>(`select ${DATABASE_ID_SQL} as id`);
  const id = rows[0]?.id;
  // The migration writes the row; a database without it was not migrated (or was tampered with).
  if (!id) throw new Error('The database has no installation id: run the migrations (kinerja db migrate).');
  return id;
}
