import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12: supervisor feedback may name one of the person's indicators and carry evidence; reminders
 * without an assessment (a feedback nudge to a supervisor, a reminder of an unanswered request for feedback)
 * name their period or their request.
 */
export class Migration20261202111959_feedback_reminders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "feedback" add column "item_key" varchar(32) null, add column "item_title" text null, add column "evidence" jsonb not null default '[]';`);

    this.addSql(`alter table "reminder" add column "cycle_id" int null, add column "feedback_request_id" int null;`);
    this.addSql(`alter table "reminder" add constraint "reminder_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reminder" add constraint "reminder_feedback_request_id_foreign" foreign key ("feedback_request_id") references "feedback_request" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "reminder" drop constraint "reminder_cycle_id_foreign";`);
    this.addSql(`alter table "reminder" drop constraint "reminder_feedback_request_id_foreign";`);

    this.addSql(`alter table "feedback" drop column "item_key", drop column "item_title", drop column "evidence";`);

    this.addSql(`alter table "reminder" drop column "cycle_id", drop column "feedback_request_id";`);
  }

}
