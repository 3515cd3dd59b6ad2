import { Migration } from '@mikro-orm/migrations';

export class Migration20261201060759_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_event" ("id" bigserial primary key, "at" timestamptz not null default current_timestamp, "actor" varchar(128) not null, "action" varchar(64) not null, "subject" varchar(128) not null, "data" jsonb not null default '{}', "prev_hash" varchar(64) null, "hash" varchar(64) not null);`);

    this.addSql(`create table "cycle" ("id" serial primary key, "name" varchar(255) not null, "kind" text check ("kind" in ('bulanan', 'triwulan', 'semester', 'tahunan')) not null, "period_start" date not null, "period_end" date not null, "self_deadline" date not null, "review_deadline" date not null, "status" text check ("status" in ('draft', 'open', 'reviewing', 'closed', 'announced')) not null default 'draft', "template_code" varchar(64) not null, "matrix_version" varchar(64) not null, "settings" jsonb not null default '{}', "created_at" timestamptz not null default current_timestamp, "opened_at" timestamptz null, "closed_at" timestamptz null, "announced_at" timestamptz null);`);

    this.addSql(`create table "holiday" ("id" serial primary key, "date" date not null, "name" varchar(255) not null, "kind" text check ("kind" in ('nasional', 'cuti_bersama', 'daerah')) not null, "working_day" boolean not null default false, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "holiday" add constraint "holiday_date_unique" unique ("date");`);

    this.addSql(`create table "indicator" ("id" serial primary key, "cycle_id" int not null, "code" varchar(64) not null, "kind" text check ("kind" in ('hasil_kerja', 'perilaku')) not null, "name_id" varchar(255) not null, "name_en" varchar(255) not null, "unit_of_measure" varchar(64) null, "target" numeric(16,4) null, "position" int not null default 0);`);
    this.addSql(`alter table "indicator" add constraint "indicator_cycle_id_code_unique" unique ("cycle_id", "code");`);

    this.addSql(`create table "link_failure" ("id" serial primary key, "platform" text check ("platform" in ('telegram', 'slack', 'console')) not null, "platform_user_id" varchar(128) not null, "at" timestamptz not null);`);
    this.addSql(`create index "link_failure_platform_platform_user_id_at_index" on "link_failure" ("platform", "platform_user_id", "at");`);

    this.addSql(`create table "processed_event" ("id" bigserial primary key, "platform" varchar(16) not null, "event_id" varchar(128) not null, "processed_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "processed_event" add constraint "processed_event_platform_event_id_unique" unique ("platform", "event_id");`);

    this.addSql(`create table "unit" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(255) not null, "parent_id" int null, "org_rating" text check ("org_rating" in ('istimewa', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null, "announce_channels" jsonb not null default '{}', "review_channels" jsonb not null default '{}', "created_at" timestamptz not null default current_timestamp, "updated_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "unit" add constraint "unit_code_unique" unique ("code");`);
    this.addSql(`create index "unit_parent_id_index" on "unit" ("parent_id");`);

    this.addSql(`create table "employee" ("id" serial primary key, "nip" varchar(18) not null, "name" varchar(255) not null, "email" varchar(320) null, "position" varchar(255) not null default '', "position_kind" text check ("position_kind" in ('jpt', 'administrator', 'pengawas', 'pelaksana', 'fungsional')) not null, "unit_id" int not null, "supervisor_id" int null, "roles" text[] not null default '{pegawai}', "timezone" varchar(64) not null default 'Asia/Jakarta', "locale" text check ("locale" in ('id', 'en')) not null default 'id', "active" boolean not null default true, "opt_out_announcements" boolean not null default false, "created_at" timestamptz not null default current_timestamp, "updated_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "employee" add constraint "employee_nip_unique" unique ("nip");`);
    this.addSql(`create index "employee_email_index" on "employee" ("email");`);
    this.addSql(`create index "employee_unit_id_index" on "employee" ("unit_id");`);
    this.addSql(`create index "employee_supervisor_id_index" on "employee" ("supervisor_id");`);

    this.addSql(`create table "outbox_message" ("id" bigserial primary key, "platform" varchar(16) not null, "chat_id" varchar(128) not null, "recipient_id" int null, "payload" jsonb not null, "dedupe_key" varchar(200) not null, "status" text check ("status" in ('pending', 'sent', 'failed', 'dead')) not null default 'pending', "attempts" int not null default 0, "last_error" text null, "platform_message_ref" varchar(128) null, "created_at" timestamptz not null default current_timestamp, "sent_at" timestamptz null);`);
    this.addSql(`create index "outbox_message_recipient_id_index" on "outbox_message" ("recipient_id");`);
    this.addSql(`alter table "outbox_message" add constraint "outbox_message_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "outbox_message_status_created_at_index" on "outbox_message" ("status", "created_at");`);
    this.addSql(`create index "outbox_message_platform_chat_id_id_index" on "outbox_message" ("platform", "chat_id", "id");`);
    this.addSql(`create index "outbox_message_pending_chat_index" on "outbox_message" ("platform", "chat_id", "id") where "status" = 'pending';`);

    this.addSql(`create table "link_code" ("id" serial primary key, "employee_id" int not null, "code_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "used_by_platform" varchar(16) null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "link_code_employee_id_index" on "link_code" ("employee_id");`);
    this.addSql(`alter table "link_code" add constraint "link_code_code_hash_unique" unique ("code_hash");`);

    this.addSql(`create table "employee_target" ("id" serial primary key, "employee_id" int not null, "cycle_id" int not null, "code" varchar(64) not null, "rhk_kind" text check ("rhk_kind" in ('utama', 'tambahan')) not null, "rhk" text not null, "iki" text not null, "target" numeric(16,4) not null, "unit_of_measure" varchar(64) not null, "position" int not null default 0);`);
    this.addSql(`create index "employee_target_cycle_id_index" on "employee_target" ("cycle_id");`);
    this.addSql(`alter table "employee_target" add constraint "employee_target_employee_id_cycle_id_code_unique" unique ("employee_id", "cycle_id", "code");`);

    this.addSql(`create table "conversation" ("id" serial primary key, "platform" text check ("platform" in ('telegram', 'slack', 'console')) not null, "platform_user_id" varchar(128) not null, "employee_id" int null, "flow" varchar(32) not null default 'idle', "step" varchar(64) not null default 'idle', "state" jsonb not null default '{}', "version" int not null default 1, "last_activity_at" timestamptz not null default current_timestamp, "expires_at" timestamptz null);`);
    this.addSql(`create index "conversation_employee_id_index" on "conversation" ("employee_id");`);
    this.addSql(`alter table "conversation" add constraint "conversation_platform_platform_user_id_unique" unique ("platform", "platform_user_id");`);

    this.addSql(`create table "chat_identity" ("id" serial primary key, "platform" text check ("platform" in ('telegram', 'slack', 'console')) not null, "platform_user_id" varchar(128) not null, "chat_id" varchar(128) not null, "employee_id" int not null, "linked_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "chat_identity_employee_id_index" on "chat_identity" ("employee_id");`);
    this.addSql(`alter table "chat_identity" add constraint "chat_identity_platform_platform_user_id_unique" unique ("platform", "platform_user_id");`);

    this.addSql(`create table "assessment" ("id" serial primary key, "employee_id" int not null, "cycle_id" int not null, "status" text check ("status" in ('draft', 'submitted', 'returned', 'reviewed', 'announced')) not null default 'draft', "round" int not null default 1, "thread_key" varchar(32) not null, "reflection" text null, "submitted_at" timestamptz null, "reviewed_at" timestamptz null, "late" boolean not null default false, "hasil_kerja" text check ("hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null, "perilaku" text check ("perilaku" in ('di_atas', 'sesuai', 'di_bawah')) null, "predicate" text check ("predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null, "matrix_version" varchar(64) null, "version" int not null default 1, "created_at" timestamptz not null default current_timestamp, "updated_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "assessment" add constraint "assessment_thread_key_unique" unique ("thread_key");`);
    this.addSql(`create index "assessment_cycle_id_status_index" on "assessment" ("cycle_id", "status");`);
    this.addSql(`alter table "assessment" add constraint "assessment_employee_id_cycle_id_unique" unique ("employee_id", "cycle_id");`);

    this.addSql(`create table "thread_message" ("id" serial primary key, "assessment_id" int not null, "author_id" int not null, "platform" varchar(16) not null, "text" text not null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "thread_message_assessment_id_index" on "thread_message" ("assessment_id");`);

    this.addSql(`create table "review" ("id" serial primary key, "assessment_id" int not null, "round" int not null, "reviewer_id" int not null, "acting_kind" varchar(8) null, "outcome" text check ("outcome" in ('rated', 'returned')) not null, "indicator_ratings" jsonb not null default '{}', "suggested_hasil_kerja" text check ("suggested_hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null, "hasil_kerja" text check ("hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null, "perilaku" text check ("perilaku" in ('di_atas', 'sesuai', 'di_bawah')) null, "perilaku_note" text null, "feedback" text null, "return_note" text null, "predicate" text check ("predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null, "matrix_version" varchar(64) null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "review_reviewer_id_index" on "review" ("reviewer_id");`);
    this.addSql(`alter table "review" add constraint "review_assessment_id_round_unique" unique ("assessment_id", "round");`);

    this.addSql(`create table "reminder" ("id" bigserial primary key, "assessment_id" int null, "recipient_id" int not null, "audience" varchar(16) not null, "kind" varchar(32) not null, "due_at" timestamptz not null, "local_date" date not null, "status" text check ("status" in ('pending', 'sent', 'cancelled', 'skipped')) not null default 'pending', "created_at" timestamptz not null default current_timestamp, "sent_at" timestamptz null);`);
    this.addSql(`create index "reminder_assessment_id_index" on "reminder" ("assessment_id");`);
    this.addSql(`create index "reminder_recipient_id_index" on "reminder" ("recipient_id");`);
    this.addSql(`create index "reminder_status_due_at_index" on "reminder" ("status", "due_at");`);

    this.addSql(`create table "objection" ("id" serial primary key, "assessment_id" int not null, "reason" text not null, "status" varchar(16) not null default 'open', "decided_by_id" int null, "decision" varchar(16) null, "new_predicate" text check ("new_predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null, "decision_reason" text null, "created_at" timestamptz not null default current_timestamp, "decided_at" timestamptz null);`);
    this.addSql(`create index "objection_assessment_id_index" on "objection" ("assessment_id");`);

    this.addSql(`create table "follow_up" ("id" serial primary key, "assessment_id" int not null, "kind" text check ("kind" in ('award', 'coaching')) not null, "plan" text null, "first_check_in" date null, "status" varchar(16) not null default 'open', "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "follow_up" add constraint "follow_up_assessment_id_unique" unique ("assessment_id");`);

    this.addSql(`create table "check_in" ("id" serial primary key, "follow_up_id" int not null, "due_on" date not null, "done_at" timestamptz null, "employee_rating" smallint null, "note" text null);`);
    this.addSql(`create index "check_in_follow_up_id_index" on "check_in" ("follow_up_id");`);

    this.addSql(`create table "behaviour_rating" ("id" serial primary key, "assessment_id" int not null, "value" text check ("value" in ('berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif')) not null, "self_note" text null, "supervisor_rating" text check ("supervisor_rating" in ('di_atas', 'sesuai', 'di_bawah')) null, "supervisor_note" text null);`);
    this.addSql(`alter table "behaviour_rating" add constraint "behaviour_rating_assessment_id_value_unique" unique ("assessment_id", "value");`);

    this.addSql(`create table "answer" ("id" serial primary key, "assessment_id" int not null, "item_key" varchar(32) not null, "indicator_id" int null, "target_id" int null, "realisasi" numeric(16,4) null, "narrative" text null, "evidence" jsonb not null default '[]', "evidence_skipped" boolean not null default false, "supervisor_rating" text check ("supervisor_rating" in ('di_atas', 'sesuai', 'di_bawah')) null, "updated_at" timestamptz not null default current_timestamp);`);
    this.addSql(`alter table "answer" add constraint "answer_assessment_id_item_key_unique" unique ("assessment_id", "item_key");`);

    this.addSql(`create table "acting_assignment" ("id" serial primary key, "kind" text check ("kind" in ('plt', 'plh')) not null, "acting_employee_id" int not null, "for_employee_id" int not null, "starts_on" date not null, "ends_on" date not null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "acting_assignment_acting_employee_id_index" on "acting_assignment" ("acting_employee_id");`);
    this.addSql(`create index "acting_assignment_for_employee_id_index" on "acting_assignment" ("for_employee_id");`);

    this.addSql(`alter table "indicator" add constraint "indicator_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade;`);

    this.addSql(`alter table "employee" add constraint "employee_unit_id_foreign" foreign key ("unit_id") references "unit" ("id") on update cascade;`);

    this.addSql(`alter table "outbox_message" add constraint "outbox_message_recipient_id_foreign" foreign key ("recipient_id") references "employee" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "link_code" add constraint "link_code_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);

    this.addSql(`alter table "employee_target" add constraint "employee_target_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "employee_target" add constraint "employee_target_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade;`);

    this.addSql(`alter table "conversation" add constraint "conversation_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "chat_identity" add constraint "chat_identity_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);

    this.addSql(`alter table "assessment" add constraint "assessment_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "assessment" add constraint "assessment_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade;`);

    this.addSql(`alter table "thread_message" add constraint "thread_message_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);
    this.addSql(`alter table "thread_message" add constraint "thread_message_author_id_foreign" foreign key ("author_id") references "employee" ("id") on update cascade;`);

    this.addSql(`alter table "review" add constraint "review_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);
    this.addSql(`alter table "review" add constraint "review_reviewer_id_foreign" foreign key ("reviewer_id") references "employee" ("id") on update cascade;`);

    this.addSql(`alter table "reminder" add constraint "reminder_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reminder" add constraint "reminder_recipient_id_foreign" foreign key ("recipient_id") references "employee" ("id") on update cascade;`);

    this.addSql(`alter table "objection" add constraint "objection_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);
    this.addSql(`alter table "objection" add constraint "objection_decided_by_id_foreign" foreign key ("decided_by_id") references "employee" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "follow_up" add constraint "follow_up_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);

    this.addSql(`alter table "check_in" add constraint "check_in_follow_up_id_foreign" foreign key ("follow_up_id") references "follow_up" ("id") on update cascade;`);

    this.addSql(`alter table "behaviour_rating" add constraint "behaviour_rating_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);

    this.addSql(`alter table "answer" add constraint "answer_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);
    this.addSql(`alter table "answer" add constraint "answer_indicator_id_foreign" foreign key ("indicator_id") references "indicator" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "answer" add constraint "answer_target_id_foreign" foreign key ("target_id") references "employee_target" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "acting_assignment" add constraint "acting_assignment_acting_employee_id_foreign" foreign key ("acting_employee_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "acting_assignment" add constraint "acting_assignment_for_employee_id_foreign" foreign key ("for_employee_id") references "employee" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "indicator" drop constraint "indicator_cycle_id_foreign";`);

    this.addSql(`alter table "employee_target" drop constraint "employee_target_cycle_id_foreign";`);

    this.addSql(`alter table "assessment" drop constraint "assessment_cycle_id_foreign";`);

    this.addSql(`alter table "answer" drop constraint "answer_indicator_id_foreign";`);

    this.addSql(`alter table "employee" drop constraint "employee_unit_id_foreign";`);

    this.addSql(`alter table "outbox_message" drop constraint "outbox_message_recipient_id_foreign";`);

    this.addSql(`alter table "link_code" drop constraint "link_code_employee_id_foreign";`);

    this.addSql(`alter table "employee_target" drop constraint "employee_target_employee_id_foreign";`);

    this.addSql(`alter table "conversation" drop constraint "conversation_employee_id_foreign";`);

    this.addSql(`alter table "chat_identity" drop constraint "chat_identity_employee_id_foreign";`);

    this.addSql(`alter table "assessment" drop constraint "assessment_employee_id_foreign";`);

    this.addSql(`alter table "thread_message" drop constraint "thread_message_author_id_foreign";`);

    this.addSql(`alter table "review" drop constraint "review_reviewer_id_foreign";`);

    this.addSql(`alter table "reminder" drop constraint "reminder_recipient_id_foreign";`);

    this.addSql(`alter table "objection" drop constraint "objection_decided_by_id_foreign";`);

    this.addSql(`alter table "acting_assignment" drop constraint "acting_assignment_acting_employee_id_foreign";`);

    this.addSql(`alter table "acting_assignment" drop constraint "acting_assignment_for_employee_id_foreign";`);

    this.addSql(`alter table "answer" drop constraint "answer_target_id_foreign";`);

    this.addSql(`alter table "thread_message" drop constraint "thread_message_assessment_id_foreign";`);

    this.addSql(`alter table "review" drop constraint "review_assessment_id_foreign";`);

    this.addSql(`alter table "reminder" drop constraint "reminder_assessment_id_foreign";`);

    this.addSql(`alter table "objection" drop constraint "objection_assessment_id_foreign";`);

    this.addSql(`alter table "follow_up" drop constraint "follow_up_assessment_id_foreign";`);

    this.addSql(`alter table "behaviour_rating" drop constraint "behaviour_rating_assessment_id_foreign";`);

    this.addSql(`alter table "answer" drop constraint "answer_assessment_id_foreign";`);

    this.addSql(`alter table "check_in" drop constraint "check_in_follow_up_id_foreign";`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "cycle" cascade;`);

    this.addSql(`drop table if exists "holiday" cascade;`);

    this.addSql(`drop table if exists "indicator" cascade;`);

    this.addSql(`drop table if exists "link_failure" cascade;`);

    this.addSql(`drop table if exists "processed_event" cascade;`);

    this.addSql(`drop table if exists "unit" cascade;`);

    this.addSql(`drop table if exists "employee" cascade;`);

    this.addSql(`drop table if exists "outbox_message" cascade;`);

    this.addSql(`drop table if exists "link_code" cascade;`);

    this.addSql(`drop table if exists "employee_target" cascade;`);

    this.addSql(`drop table if exists "conversation" cascade;`);

    this.addSql(`drop table if exists "chat_identity" cascade;`);

    this.addSql(`drop table if exists "assessment" cascade;`);

    this.addSql(`drop table if exists "thread_message" cascade;`);

    this.addSql(`drop table if exists "review" cascade;`);

    this.addSql(`drop table if exists "reminder" cascade;`);

    this.addSql(`drop table if exists "objection" cascade;`);

    this.addSql(`drop table if exists "follow_up" cascade;`);

    this.addSql(`drop table if exists "check_in" cascade;`);

    this.addSql(`drop table if exists "behaviour_rating" cascade;`);

    this.addSql(`drop table if exists "answer" cascade;`);

    this.addSql(`drop table if exists "acting_assignment" cascade;`);
  }

}
