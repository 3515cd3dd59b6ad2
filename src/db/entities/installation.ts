/**
 * The identity of this database: one row with a random id written by the migration that created the table.
 * Anything kept outside the database that refers to its rows (BullMQ job ids in a shared Redis) is
 * namespaced by it, so a database that is dropped and created again, pointed at the same Redis, never
 * mistakes its new rows for the old database's rows with the same ids.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Installation = defineEntity({
  name: 'Installation',
  tableName: 'installation',
  indexes: [
    // One row only: a unique index on a constant refuses a second one.
    { name: 'installation_one_row', expression: `create unique index "installation_one_row" on "installation" ((true))` },
  ],
  properties: {
    id: p.uuid().primary(),
    createdAt: p.datetime().defaultRaw('current_timestamp'),
  },
});
export type IInstallation = InferEntity<typeof Installation>;
