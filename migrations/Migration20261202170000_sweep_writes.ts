import { Migration } from '@mikro-orm/migrations';

/**
 * The reminder sweep writes about 100,000 outbox rows and settles as many reminder rows in a few seconds
 * (issue 16 item 4), alongside the delivery workers:
 * - `outbox_message.recipient_id` loses its foreign key. Its per-row trigger (a `FOR KEY SHARE` lock on the
 *   employee row) was about a third of the sweep's outbox insert (measured: 2,000 rows 106-110 ms with it,
 *   69 ms without). Every writer takes the recipient from an employee row it has just read (the engine's
 *   person, the sweep's recipient), and no code deletes employees (they are deactivated; see
 *   Migration20261202160000_reminder_planning for the reminder columns), so the `on delete set null` it
 *   carried never fires. The column keeps its index.
 * - the sweep's claim index holds pending rows only: `(due_at, id) where status = 'pending'` replaces
 *   `(status, due_at, id)`. Settling a row then adds no entry to it (its new version is not pending), and it
 *   stays the size of what is still to send instead of growing with every reminder ever sent.
 */
export class Migration20261202170000_sweep_writes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "outbox_message" drop constraint "outbox_message_recipient_id_foreign";`);
    this.addSql(`drop index "reminder_status_due_at_id_index";`);
    this.addSql(`create index "reminder_pending_due_at_id_index" on "reminder" ("due_at", "id") where "status" = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "reminder_pending_due_at_id_index";`);
    this.addSql(`create index "reminder_status_due_at_id_index" on "reminder" ("status", "due_at", "id");`);
    this.addSql(`alter table "outbox_message" add constraint "outbox_message_recipient_id_foreign" foreign key ("recipient_id") references "employee" ("id") on update cascade on delete set null;`);
  }
}
