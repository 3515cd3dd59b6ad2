import { Migration } from '@mikro-orm/migrations';

/**
 * A platform is a registry name (src/platforms.ts), not a fixed list: the check constraints that listed
 * telegram, slack and console go, and the columns become varchar(16) like the other platform columns, so a
 * new platform needs no migration.
 */
export class Migration20261202060258_platform_names extends Migration {
  override async up(): Promise<void> {
    for (const table of ['chat_identity', 'conversation', 'link_failure']) {
      this.addSql(`alter table "${table}" drop constraint if exists "${table}_platform_check";`);
      this.addSql(`alter table "${table}" alter column "platform" type varchar(16) using ("platform"::varchar(16));`);
    }
  }

  override async down(): Promise<void> {
    for (const table of ['chat_identity', 'conversation', 'link_failure']) {
      this.addSql(`alter table "${table}" alter column "platform" type text using ("platform"::text);`);
      this.addSql(`alter table "${table}" add constraint "${table}_platform_check" check ("platform" in ('telegram', 'slack', 'console'));`);
    }
  }
}
