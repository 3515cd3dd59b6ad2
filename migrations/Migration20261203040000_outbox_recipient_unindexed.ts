import { Migration } from '@mikro-orm/migrations';

/**
 * `outbox_message.recipient_id` loses its index (issue 16 item 4). No query looks rows up by recipient: the
 * only reader of the column, HR's list of undelivered messages (`undeliveredOutbox`), joins the employee by
 * its primary key from rows it found by status. The index cost an entry for every outbox row written (the
 * reminder sweep writes 100,000 in a few seconds) and another for every row marked sent, failed or dead (an
 * update that changes `status` is never HOT, so every index of the table gets the row's new version).
 */
export class Migration20261203040000_outbox_recipient_unindexed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "outbox_message_recipient_id_index";`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index "outbox_message_recipient_id_index" on "outbox_message" ("recipient_id");`);
  }
}
