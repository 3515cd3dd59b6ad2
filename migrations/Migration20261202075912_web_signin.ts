import { Migration } from '@mikro-orm/migrations';

export class Migration20261202075912_web_signin extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "web_signin" ("id" serial primary key, "employee_id" int not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "session_hash" varchar(64) null, "session_expires_at" timestamptz null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "web_signin_employee_id_index" on "web_signin" ("employee_id");`);
    this.addSql(`alter table "web_signin" add constraint "web_signin_token_hash_unique" unique ("token_hash");`);
    this.addSql(`alter table "web_signin" add constraint "web_signin_session_hash_unique" unique ("session_hash");`);

    this.addSql(`alter table "web_signin" add constraint "web_signin_employee_id_foreign" foreign key ("employee_id") references "employee" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "web_signin" cascade;`);
  }

}
