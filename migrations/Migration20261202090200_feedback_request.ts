import { Migration } from '@mikro-orm/migrations';

/** An employee asks their rater for feedback (`/mintaumpanbalik`); answered by the next feedback they get. */
export class Migration20261202090200_feedback_request extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "feedback_request" ("id" serial primary key, "employee_id" int not null, "rater_id" int not null, "topic" text null,
      "feedback_id" int null, "answered_at" timestamptz null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "feedback_request_employee_id_index" on "feedback_request" ("employee_id");`);
    this.addSql(`alter table "feedback_request" add constraint "feedback_request_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "feedback_request" add constraint "feedback_request_rater_id_foreign" foreign key ("rater_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "feedback_request" add constraint "feedback_request_feedback_id_foreign" foreign key ("feedback_id") references "feedback" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "feedback_request" cascade;`);
  }
}
