import { Migration } from '@mikro-orm/migrations';

/**
 * The anchored audit chain (src/db/audit.ts): entries from now on are chained with HMAC-SHA256 under AUDIT_KEY
 * (`chain` = 2); the entries already written keep their sha256 hashes (`chain` = 1) and are still verified by
 * that formula, the first keyed entry chaining onto the last of them. Signed checkpoints get their table, and
 * `audit_chain_head()` takes the chain's lock and then reads the newest entry in one round trip (a volatile
 * function reads with a fresh snapshot after the lock is granted, which one plain statement could not).
 */
export class Migration20261202120100_audit_keyed_chain extends Migration {
  override async up(): Promise<void> {
    // The entries already written are marked sha256 (1); from now on an insert is keyed (2) unless it says otherwise.
    this.addSql(`alter table "audit_event" add column "chain" smallint not null default 1;`);
    this.addSql(`alter table "audit_event" alter column "chain" set default 2;`);
    this.addSql(`create table "audit_checkpoint" ("id" bigserial primary key, "at" timestamptz not null, "entries" bigint not null,
      "last_id" bigint null, "head_hash" varchar(64) null, "reason" varchar(32) not null, "mac" varchar(64) not null);`);
    this.addSql(`create or replace function audit_chain_head(lock_key bigint) returns table (id bigint, hash varchar) language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(lock_key);
        return query select a.id, a.hash from audit_event a order by a.id desc limit 1;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists audit_chain_head(bigint);`);
    this.addSql(`drop table if exists "audit_checkpoint" cascade;`);
    this.addSql(`alter table "audit_event" drop column "chain";`);
  }
}
