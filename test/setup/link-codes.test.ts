import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { importEmployees } from '../../src/setup/employees.js';
import { generateLinkCode, hashLinkCode, issueLinkCodes, LINK_CODE_ALPHABET, linkCodesCsv, LinkCodeError } from '../../src/setup/link-codes.js';
import { readTable } from '../../src/setup/table-file.js';

const KEPALA = '197001012000011001';
const KASI = '198002022005022002';
const STAF = '199003032015031003';
const LAIN = '199104042016041004';
let db: TestDatabase;
const em = () => db.orm.em.fork();
const clock = new ManualClock(new Date('2027-01-04T02:00:00Z'));

beforeAll(async () => {
  db = await createTestDatabase();
  const file = [
    'nip,nama,email,jenis_jabatan,unit_kode,unit_nama,unit_induk,atasan_nip,zona_waktu',
    `${KEPALA},"Budi Santoso, S.H.",budi@jakarta.go.id,jpt,BKD,Badan Kepegawaian Daerah,,,WIB`,
    `${KASI},Siti Rahma,,administrator,BKD-1,Bidang Mutasi,BKD,${KEPALA},WITA`,
    `${STAF},Eko Prasetyo,eko@jakarta.go.id,pelaksana,BKD-1-A,Subbidang A,BKD-1,${KASI},WIT`,
    `${LAIN},Dewi Lestari,,pelaksana,DINKES,Dinas Kesehatan,,,WIB`,
  ];
  await importEmployees(em(), await readTable('p.csv', Buffer.from(file.join('\n'))), { actor: 'hr' });
});
afterAll(async () => {
  await db?.close();
});

async function stored() {
  return em().getConnection().execute<{ nip: string; code_hash: string; expires_at: string; used_at: string | null }[]>(
    'select e.nip, l.code_hash, l.expires_at, l.used_at from link_code l join employee e on e.id = l.employee_id order by l.id',
  );
}

describe('link codes', () => {
  it('are long, random and drawn from an unambiguous alphabet', () => {
    const codes = Array.from({ length: 200 }, generateLinkCode);
    expect(new Set(codes).size).toBe(200);
    for (const c of codes) {
      expect(c.length).toBeGreaterThanOrEqual(10);
      expect([...c].every((ch) => LINK_CODE_ALPHABET.includes(ch))).toBe(true);
    }
    expect(LINK_CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it('stores only the SHA-256 of a code, with its expiry; typing it with spaces or lower case matches', async () => {
    const [issued] = await issueLinkCodes(em(), { nip: KASI }, { ttlHours: 72, actor: 'hr', clock });
    expect(issued).toMatchObject({ nip: KASI, name: 'Siti Rahma', expiresAt: new Date('2027-01-07T02:00:00Z') });
    const rows = await stored();
    const row = rows.at(-1)!;
    expect(row.code_hash).toBe(createHash('sha256').update(issued!.code).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(issued!.code);
    expect(new Date(row.expires_at).toISOString()).toBe('2027-01-07T02:00:00.000Z');
    expect(hashLinkCode(` ${issued!.code.slice(0, 4).toLowerCase()}-${issued!.code.slice(4)} `)).toBe(row.code_hash);
    const audit = await em().getConnection().execute<{ data: unknown }[]>(`select data from audit_event where action = 'link_codes.issued'`);
    expect(JSON.stringify(audit)).not.toContain(issued!.code);
  });

  it('a new code for someone ends their older unused code', async () => {
    clock.advance(3_600_000);
    await issueLinkCodes(em(), { nip: STAF }, { ttlHours: 72, actor: 'hr', clock });
    clock.advance(3_600_000);
    await issueLinkCodes(em(), { nip: STAF }, { ttlHours: 24, actor: 'hr', clock });
    const mine = (await stored()).filter((r) => r.nip === STAF);
    expect(mine.map((r) => new Date(r.expires_at).toISOString())).toEqual(['2027-01-04T04:00:00.000Z', '2027-01-05T04:00:00.000Z']);
  });

  it('for a unit, covers its sub-units; --all covers every active employee', async () => {
    const unit = await issueLinkCodes(em(), { unitCode: 'BKD-1' }, { ttlHours: 72, actor: 'hr', clock });
    expect(unit.map((c) => c.nip)).toEqual([KASI, STAF]);
    const all = await issueLinkCodes(em(), { all: true }, { ttlHours: 72, actor: 'hr', clock });
    expect(all.map((c) => c.nip).sort()).toEqual([KEPALA, KASI, STAF, LAIN].sort());
  });

  it('refuses unknown NIPs and units with a clear reason', async () => {
    await expect(issueLinkCodes(em(), { nip: '198503122010011099' }, { ttlHours: 1, actor: 'hr' })).rejects.toThrow(/no employee with NIP 198503122010011099/);
    await expect(issueLinkCodes(em(), { nip: '12345' }, { ttlHours: 1, actor: 'hr' })).rejects.toThrow(LinkCodeError);
    await expect(issueLinkCodes(em(), { unitCode: 'NOPE' }, { ttlHours: 1, actor: 'hr' })).rejects.toThrow(/no unit with code NOPE/);
  });

  it('CSV for mail merge: expiry in the employee zone, quoted names, and t.me links when a bot is given', async () => {
    const codes = await issueLinkCodes(em(), { unitCode: 'BKD' }, { ttlHours: 72, actor: 'hr', clock });
    const text = linkCodesCsv(codes, { botUsername: '@kinerja_dki_bot' });
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(['nip', 'nama', 'email', 'code', 'expires_at', 'telegram_link']);
    const budi = records.find((r) => r.nip === KEPALA)!;
    expect(budi).toMatchObject({ nama: 'Budi Santoso, S.H.', email: 'budi@jakarta.go.id', expires_at: '2027-01-07T11:00:00+07:00' });
    expect(budi.telegram_link).toBe(`https://t.me/kinerja_dki_bot?start=${budi.code}`);
    expect(records.find((r) => r.nip === STAF)!.expires_at).toBe('2027-01-07T13:00:00+09:00');
    expect(linkCodesCsv(codes).split('\n')[0]).toBe('nip,nama,email,code,expires_at');
  });
});
