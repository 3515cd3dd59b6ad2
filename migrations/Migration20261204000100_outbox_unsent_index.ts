import { Migration } from '@mikro-orm/migrations';

/**
 * `outbox_message (status, created_at)` keeps only the rows not sent (issue 16 item 4). Its readers ask for
 * pending rows (the relay), failed or dead ones (HR's list, `kinerja outbox retry`), never for sent ones. Marking
 * a row sent changes `status`, so the update is never HOT and every index of the table gets the row's new
 * version: with the predicate this one does not, and a delivery (1,000 a second behind a reminder sweep) writes
 * three index entries instead of four. The index stays the size of what is not delivered instead of growing
 * with every message ever sent.
 */
export class Migration20261204000100_outbox_unsent_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "outbox_message_status_created_at_index";`);
    this.addSql(`create index "outbox_message_unsent_created_at_index" on "outbox_message" ("status", "created_at") where "status" <> 'sent';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "outbox_message_unsent_created_at_index";`);
    this.addSql(`create index "outbox_message_status_created_at_index" on "outbox_message" ("status", "created_at");`);
  }
}
