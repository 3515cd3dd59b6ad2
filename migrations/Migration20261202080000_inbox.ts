import { Migration } from '@mikro-orm/migrations';

export class Migration20261202080000_inbox extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "inbox_event" ("id" bigserial primary key, "platform" varchar(16) not null, "event_id" varchar(128) not null, "chat_key" varchar(200) not null, "payload" jsonb not null, "received_at" timestamptz not null default current_timestamp, "status" text check ("status" in ('pending', 'done', 'parked')) not null default 'pending', "attempts" int not null default 0, "last_error" text null, "available_at" timestamptz not null default current_timestamp, "handled_at" timestamptz null);`);
    this.addSql(`create index "inbox_event_pending_index" on "inbox_event" ("id") where "status" = 'pending';`);
    this.addSql(`create index "inbox_event_pending_chat_index" on "inbox_event" ("chat_key", "id") where "status" = 'pending';`);
    this.addSql(`alter table "inbox_event" add constraint "inbox_event_platform_event_id_unique" unique ("platform", "event_id");`);

    this.addSql(`alter table "outbox_message" add column "retry_from" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inbox_event" cascade;`);

    this.addSql(`alter table "outbox_message" drop column "retry_from";`);
  }

}
