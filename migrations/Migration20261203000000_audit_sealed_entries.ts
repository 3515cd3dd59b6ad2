import { Migration } from '@mikro-orm/migrations';

/**
 * Sealed audit entries, chained after their commit (src/db/audit.ts, issue 16). Until now every writer took the
 * chain's one advisory lock, read the head and held the lock until its COMMIT, across a round trip to Node: the
 * engine's batches and submits queued behind each other there. The engine now writes its entries *sealed*: an
 * HMAC under AUDIT_KEY over the entry and a fresh nonce, with no place in the chain yet (`pos`, `prev_hash` and
 * `hash` null). A chainer (one at a time, under the same lock) gives them their place and hash right after.
 * - `pos`: the entry's place in the chain, which is now walked in this order. An entry inserted already chained
 *   (the set-up commands and jobs still append under the lock) takes its own id, set by a trigger, so every row
 *   written before this migration keeps its order and every checkpoint its meaning. The chainer numbers from the
 *   same sequence as the ids, under the chain's lock, so places grow in the order entries were chained. An
 *   entry the chainer refuses (seal missing or wrong) gets `-id`: never chained, and reported by the walk.
 * - `nonce`, `seal`: a sealed entry's nonce and HMAC; the nonce is unique, so a copy of a sealed row (from a
 *   backup, say) cannot be inserted to be chained a second time.
 * - `audit_chain_take()`: under the lock, the head and the oldest sealed entries waiting, read after the lock
 *   is granted (a volatile function reads with a fresh snapshot per statement), so two chainers never chain one
 *   entry twice.
 */
export class Migration20261203000000_audit_sealed_entries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" add column "pos" bigint null, add column "nonce" varchar(32) null, add column "seal" varchar(64) null;`);
    this.addSql(`alter table "audit_event" alter column "hash" drop not null;`);
    this.addSql(`update "audit_event" set "pos" = "id";`);
    this.addSql(`create unique index "audit_event_pos_unique" on "audit_event" ("pos");`);
    this.addSql(`create unique index "audit_event_nonce_unique" on "audit_event" ("nonce") where "nonce" is not null;`);
    this.addSql(`create index "audit_event_unchained_index" on "audit_event" ("id") where "pos" is null;`);
    this.addSql(`create or replace function audit_event_chained_pos() returns trigger language plpgsql as $$
      begin
        if new.hash is not null and new.pos is null then new.pos := new.id; end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "audit_event_chained_pos" before insert on "audit_event" for each row execute function audit_event_chained_pos();`);
    // The head is now the entry with the highest place, not the highest id.
    this.addSql(`drop function if exists audit_chain_head(bigint);`);
    this.addSql(`create function audit_chain_head(lock_key bigint) returns table (id bigint, hash varchar) language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(lock_key);
        return query select a.id, a.hash from audit_event a where a.pos > 0 order by a.pos desc limit 1;
      end $$;`);
    // Each waiting entry comes with a place reserved from the ids' sequence (taken under the lock, so larger
    // than every place given before); the chainer hands them out ascending in id order.
    this.addSql(`create function audit_chain_take(lock_key bigint, max_rows int) returns table (head varchar, id bigint, pos bigint, at timestamptz, actor varchar,
        action varchar, subject varchar, data jsonb, nonce varchar, seal varchar) language plpgsql volatile as $$
      declare h varchar;
      begin
        perform pg_advisory_xact_lock(lock_key);
        select a.hash into h from audit_event a where a.pos > 0 order by a.pos desc limit 1;
        return query select h, w.id, nextval(pg_get_serial_sequence('audit_event', 'id')), w.at, w.actor, w.action, w.subject, w.data, w.nonce, w.seal
          from (select a.* from audit_event a where a.pos is null order by a.id limit max_rows) w;
        if not found then
          return query select h, null::bigint, null::bigint, null::timestamptz, null::varchar, null::varchar, null::varchar, null::jsonb, null::varchar, null::varchar;
        end if;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists audit_chain_take(bigint, int);`);
    this.addSql(`drop function if exists audit_chain_head(bigint);`);
    this.addSql(`create function audit_chain_head(lock_key bigint) returns table (id bigint, hash varchar) language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(lock_key);
        return query select a.id, a.hash from audit_event a order by a.id desc limit 1;
      end $$;`);
    this.addSql(`drop trigger if exists "audit_event_chained_pos" on "audit_event";`);
    this.addSql(`drop function if exists audit_event_chained_pos();`);
    this.addSql(`drop index if exists "audit_event_unchained_index";`);
    this.addSql(`drop index if exists "audit_event_nonce_unique";`);
    this.addSql(`drop index if exists "audit_event_pos_unique";`);
    this.addSql(`delete from "audit_event" where "pos" is null;`);
    this.addSql(`alter table "audit_event" alter column "hash" set not null;`);
    this.addSql(`alter table "audit_event" drop column "seal", drop column "nonce", drop column "pos";`);
  }
}
