/**
 * A unit's settings HR keeps without SQL: where its public announcements go (per platform). The CLI
 * (`kinerja unit channel`) and the chat command (`/daftarkan_kanal`) both register a channel here.
 */
import type { Tx } from './sql.js';

/** A unit as looked up by its code. */
export interface UnitRef {
  readonly id: number;
  readonly code: string;
  readonly name: string;
}

/** The unit with code `code` (exact, as imported), or null. */
export async function unitByCode(tx: Tx, code: string): Promise<UnitRef | null> {
  const rows = await tx.query<UnitRef>('select id, code, name from unit where code = $1', [code]);
  return rows[0] ?? null;
}

/**
 * Makes `chatId` the unit's announcement channel on `platform` (replacing any earlier one on that platform);
 * returns the channel it replaced, or null.
 */
export async function setUnitChannel(tx: Tx, unitId: number, platform: string, chatId: string, at: Date): Promise<string | null> {
  const rows = await tx.query<{ previous: string | null }>(
    `update unit u set announce_channels = u.announce_channels || jsonb_build_object($2::text, $3::text), updated_at = $4
       from (select announce_channels ->> $2::text as previous from unit where id = $1 for update) old
      where u.id = $1 returning old.previous`,
    [unitId, platform, chatId, at],
  );
  return rows[0]?.previous ?? null;
}
