import { Migration } from '@mikro-orm/migrations';

/**
 * Continuous feedback (DOMAIN.md "Continuous feedback"): a supervisor's (or acting rater's) feedback to one of
 * their people, stored on the period open when it was given, with its own thread key so the employee can
 * answer in its thread; the answers in that thread.
 */
export class Migration20261202090000_feedback extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "feedback" ("id" serial primary key, "cycle_id" int null, "giver_id" int not null, "employee_id" int not null,
      "acting_kind" varchar(8) null, "kind" text check ("kind" in ('apresiasi', 'saran')) not null,
      "value" text check ("value" in ('berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif')) null,
      "text" text not null, "thread_key" varchar(32) not null, "platform" varchar(16) not null,
      "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "feedback" add constraint "feedback_thread_key_unique" unique ("thread_key");`);
    this.addSql(`create index "feedback_giver_id_index" on "feedback" ("giver_id");`);
    this.addSql(`create index "feedback_employee_id_index" on "feedback" ("employee_id");`);
    this.addSql(`alter table "feedback" add constraint "feedback_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "feedback" add constraint "feedback_giver_id_foreign" foreign key ("giver_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "feedback" add constraint "feedback_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);
    this.addSql(`create table "feedback_reply" ("id" serial primary key, "feedback_id" int not null, "author_id" int not null, "platform" varchar(16) not null,
      "text" text not null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "feedback_reply_feedback_id_index" on "feedback_reply" ("feedback_id");`);
    this.addSql(`alter table "feedback_reply" add constraint "feedback_reply_feedback_id_foreign" foreign key ("feedback_id") references "feedback" ("id") on update cascade;`);
    this.addSql(`alter table "feedback_reply" add constraint "feedback_reply_author_id_foreign" foreign key ("author_id") references "employee" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "feedback_reply" cascade;`);
    this.addSql(`drop table if exists "feedback" cascade;`);
  }
}
