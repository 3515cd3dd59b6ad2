import { Migration } from '@mikro-orm/migrations';

/**
 * Recognition between colleagues (apresiasi, DOMAIN.md "Continuous feedback"): sender, recipient, the
 * BerAKHLAK value, the message, whether it was posted publicly; HR may hide one with a reason.
 */
export class Migration20261202090100_recognition extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "recognition" ("id" serial primary key, "cycle_id" int null, "sender_id" int not null, "recipient_id" int not null,
      "value" text check ("value" in ('berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif')) not null,
      "text" text not null, "public" boolean not null default false, "platform" varchar(16) not null,
      "hidden_at" timestamptz null, "hidden_reason" text null, "hidden_by" text null,
      "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "recognition_sender_id_index" on "recognition" ("sender_id");`);
    this.addSql(`create index "recognition_recipient_id_index" on "recognition" ("recipient_id");`);
    this.addSql(`alter table "recognition" add constraint "recognition_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "recognition" add constraint "recognition_sender_id_foreign" foreign key ("sender_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "recognition" add constraint "recognition_recipient_id_foreign" foreign key ("recipient_id") references "employee" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "recognition" cascade;`);
  }
}
