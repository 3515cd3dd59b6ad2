import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, createTestDatabase, type TestDatabase } from '../support/db.js';
import { MIGRATIONS } from '../../migrations/index.js';

const TABLES = [
  'unit', 'employee', 'acting_assignment', 'holiday', 'chat_identity', 'link_code', 'link_failure', 'cycle',
  'indicator', 'employee_target', 'assessment', 'answer', 'behaviour_rating', 'review', 'thread_message',
  'follow_up', 'check_in', 'objection', 'conversation', 'processed_event', 'outbox_message', 'reminder', 'audit_event', 'inbox_event', 'installation',
];

describe.each([
  ['PostgreSQL server', () => createTestDatabase({ migrate: false })],
  ['PGlite (embedded)', () => createPgliteDatabase({ migrate: false })],
])('migrations on %s', (_label, create) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies every migration, then has nothing pending', async () => {
    const migrator = db.orm.getMigrator();
    expect((await migrator.getPendingMigrations()).map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    await migrator.up();
    expect(await migrator.getPendingMigrations()).toEqual([]);
    const rows = await db.orm.em.getConnection().execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = 'public'`,
    );
    const names = rows.map((r) => r.table_name);
    for (const t of TABLES) expect(names).toContain(t);
  });

  it('the schema matches the entities (no migration missing)', async () => {
    const diff = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it.each([
    ['a NIP twice', `insert into unit (code, name) values ('U1','Unit'); insert into employee (nip, name, position_kind, unit_id) values ('198503122010011002','A','pelaksana',1), ('198503122010011002','B','pelaksana',1)`, 'employee_nip_unique'],
    ['one platform user twice', `insert into unit (code, name) values ('U2','Unit'); insert into employee (nip, name, position_kind, unit_id) values ('198503122010011003','A','pelaksana',(select id from unit where code='U2')); insert into chat_identity (platform, platform_user_id, chat_id, employee_id) select 'telegram','42','42',id from employee where nip='198503122010011003'; insert into chat_identity (platform, platform_user_id, chat_id, employee_id) select 'telegram','42','43',id from employee where nip='198503122010011003'`, 'chat_identity_platform_platform_user_id_unique'],
    ['one platform event twice', `insert into processed_event (platform, event_id) values ('telegram','1'),('telegram','1')`, 'processed_event_platform_event_id_unique'],
    ['a second installation id', `insert into installation (id) values (gen_random_uuid())`, 'installation_one_row'],
    ['one outbox dedupe key twice', `insert into outbox_message (platform, chat_id, payload, dedupe_key) values ('telegram','1','{}','k'),('telegram','1','{}','k')`, 'outbox_message_dedupe_key_unique'],
  ])('refuses %s', async (_what, sql, constraint) => {
    const conn = db.orm.em.getConnection();
    await expect(conn.execute(`begin; ${sql}; commit;`)).rejects.toThrow(constraint);
    await conn.execute('rollback').catch(() => undefined);
  });
});
