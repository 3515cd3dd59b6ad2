import { Migration } from '@mikro-orm/migrations';

/**
 * The database's own random id (see src/db/entities/installation.ts): BullMQ job ids are namespaced by it, so
 * a recreated database against the same Redis does not collide with the completed jobs of the old one.
 */
export class Migration20261202120000_installation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "installation" ("id" uuid not null, "created_at" timestamptz not null default current_timestamp, constraint "installation_pkey" primary key ("id"));`);
    this.addSql(`create unique index "installation_one_row" on "installation" ((true));`);
    this.addSql(`insert into "installation" ("id") values (gen_random_uuid());`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "installation" cascade;`);
  }
}
