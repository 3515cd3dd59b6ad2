import { Migration } from '@mikro-orm/migrations';

/** How each platform's start went (src/db/entities/platform-status.ts), for `kinerja status` in another process. */
export class Migration20261202120200_platform_status extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "platform_status" ("platform" varchar(16) not null, "state" text check ("state" in ('ready', 'retrying', 'stopped')) not null,
      "variable" varchar(64) null, "reason" text null, "updated_at" timestamptz not null, constraint "platform_status_pkey" primary key ("platform"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "platform_status" cascade;`);
  }
}
