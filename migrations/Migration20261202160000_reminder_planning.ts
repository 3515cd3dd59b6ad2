import { Migration } from '@mikro-orm/migrations';

/**
 * Opening a cycle plans about seven reminder rows a person (700,000 for 100,000 people) in one INSERT ... SELECT,
 * and the per-row foreign-key triggers of `reminder` were about 70 % of that statement's time (measured: 3.9 s
 * for 70,000 rows with them, 1.1 s without; even a null `cycle_id` or `feedback_request_id` fires its trigger).
 * Every writer of reminder rows takes the ids from rows it has just read in the same statement or transaction
 * (src/db/reminders.ts), and no code deletes employees (they are deactivated), assessments, cycles or requests
 * for feedback, so the constraints guard nothing the code does not. The columns keep their indexes.
 *
 * The sweep claims due rows `order by due_at, id`: on an index of (status, due_at) alone, every batch read and
 * sorted all the rows due at the same instant (50,000 people's 09:00 WIB) to take 2,000; with `id` in the index
 * a batch reads its 2,000 entries.
 */
export class Migration20261202160000_reminder_planning extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "reminder" drop constraint "reminder_assessment_id_foreign", drop constraint "reminder_recipient_id_foreign",
      drop constraint "reminder_cycle_id_foreign", drop constraint "reminder_feedback_request_id_foreign";`);
    this.addSql(`drop index "reminder_status_due_at_index";`);
    this.addSql(`create index "reminder_status_due_at_id_index" on "reminder" ("status", "due_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "reminder_status_due_at_id_index";`);
    this.addSql(`create index "reminder_status_due_at_index" on "reminder" ("status", "due_at");`);
    this.addSql(`alter table "reminder" add constraint "reminder_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reminder" add constraint "reminder_recipient_id_foreign" foreign key ("recipient_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "reminder" add constraint "reminder_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reminder" add constraint "reminder_feedback_request_id_foreign" foreign key ("feedback_request_id") references "feedback_request" ("id") on update cascade on delete set null;`);
  }
}
