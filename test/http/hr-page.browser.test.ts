/**
 * The HR web page in a real browser (Debian's chromium driven by playwright-core): signing in with a
 * one-time link, reading the numbers of a seeded cycle off the page, filtering a unit's people by state,
 * downloading both exports and opening them; 401 without credentials, nothing shown for a wrong, used or
 * expired link. A screenshot goes to test-output/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hrPageRouter } from '../../src/http/hr-page.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { seedExportCycle, type ExportSeed } from '../reports/seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(process.cwd(), 'test-output');
const NOW = new Date('2026-12-01T03:00:00Z');

let db: TestDatabase;
let seed: ExportSeed;
let http: HttpServer;
let base: string;
let browser: Browser;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A sign-in link as `/masuk` makes it (its hash stored), valid until `expires`. */
async function link(secret: string, expires = new Date(NOW.getTime() + 10 * 60_000)): Promise<string> {
  const conn = db.orm.em.fork().getConnection();
  const [admin] = await conn.execute<{ id: number }[]>(`select id from employee where nip = ?`, [seed.nip.kepalaBkd]);
  await conn.execute(`insert into web_signin (employee_id, token_hash, expires_at) values (?, ?, ?)`, [admin!.id, sha256(secret), expires]);
  return `${base}/admin/masuk?t=${secret}&lang=id`;
}

async function context(): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true, locale: 'id-ID' });
}

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedExportCycle(db.orm.em.fork() as EntityManager);
  await db.orm.em.fork().getConnection().execute(`update employee set roles = '{pegawai,admin}' where nip = ?`, [seed.nip.kepalaBkd]);
  http = createHttpServer({ port: 0, host: '127.0.0.1' });
  http.mount(hrPageRouter({ em: () => db.orm.em.fork() as EntityManager, now: () => NOW, adminUser: 'admin', adminPassword: 'a-long-secret' }));
  base = `http://127.0.0.1:${await http.start()}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // playwright-core starts every launch on a fresh temporary user-data-dir of its own (it refuses the flag).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(OUTPUT, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.stop();
  await db?.close();
});

describe('the HR page in a browser', () => {
  it('is there: chromium found', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  it('a sign-in link shows the cycle numbers, filters a unit, and both exports download and open', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(await link('valid-link-secret-0001'));
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/\/admin\?lang=id$/);
    // 8 people: Dewi draft; Eko and the =HYPERLINK one reviewed; the +cmd one returned; the rest not started.
    expect(await page.getByTestId('total').locator('b').textContent()).toBe('8');
    expect(await page.getByTestId('submitted').locator('b').textContent()).toBe('3');
    expect(await page.getByTestId('reviewed').locator('b').textContent()).toBe('2');
    const ump = page.locator('tr[data-unit="BKD-UMP"]');
    expect(await ump.locator('td[data-state="reviewed"]').textContent()).toBe('2');
    expect(await ump.locator('td:not([data-col])').last().textContent()).toBe('sesuai');
    // Feedback and recognitions gathered in the period, per unit (a hidden recognition left out).
    expect(await ump.locator('td[data-col="feedback"]').textContent()).toBe('2');
    expect(await ump.locator('td[data-col="recognitions"]').textContent()).toBe('1');
    expect(await page.locator('tr[data-unit="DISDIK"] td[data-col="feedback"]').textContent()).toBe('1');
    // The formula-looking name is shown as text, never as markup.
    expect(await page.getByTestId('objections').textContent()).toContain('=HYPERLINK(');
    expect(await page.getByTestId('coaching').textContent()).toContain('Eko Bina');
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(OUTPUT, 'hr-page.png'), fullPage: true });

    // One unit's people, filtered by state through the GET form.
    await ump.locator('td a').first().click();
    await page.selectOption('select[name="state"]', 'reviewed');
    await page.getByRole('button', { name: 'Tampilkan' }).click();
    const people = page.getByTestId('people');
    expect(await people.locator('tr').count()).toBe(3); // header + 2
    expect(await people.textContent()).toContain('Eko Bina');
    expect(await people.textContent()).not.toContain('Budi Belum');
    // ... and per person.
    expect(await people.locator(`tr[data-nip="${seed.nip.eko}"] td[data-col="recognitions"]`).textContent()).toBe('1');
    expect(await people.locator(`tr[data-nip="${seed.nip.hyperlink}"] td[data-col="feedback"]`).textContent()).toBe('2');

    const xlsx = await Promise.all([page.waitForEvent('download'), page.getByTestId('dl-results-xlsx').click()]).then(([d]) => d);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await xlsx.path())!);
    expect(wb.getWorksheet('Hasil')!.rowCount).toBe(9);
    const csv = await Promise.all([page.waitForEvent('download'), page.getByTestId('dl-monitoring-csv').click()]).then(([d]) => d);
    const rows = parse(readFileSync((await csv.path())!, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(8);
    await ctx.close();

    const audit = await db.orm.em.fork().getConnection().execute<{ action: string }[]>(`select action from audit_event where action like 'web.%' order by id`);
    expect(audit.map((a) => a.action)).toEqual(['web.signed_in', 'web.exported', 'web.exported']);
  }, 120_000);

  it('the page is in English with ?lang=en', async () => {
    const ctx = await browser.newContext({ httpCredentials: { username: 'admin', password: 'a-long-secret' } });
    const page = await ctx.newPage();
    await page.goto(`${base}/admin?lang=en`);
    expect(await page.locator('h1').textContent()).toBe('kinerja-bot HR page');
    expect(await page.getByTestId('submitted').textContent()).toContain('Submitted');
    await ctx.close();
  }, 60_000);

  it('every value is escaped: markup in a name arrives as text', async () => {
    const conn = db.orm.em.fork().getConnection();
    await conn.execute(`update employee set name = ? where nip = ?`, ['<img src=x onerror=alert(1)> Eko Bina', seed.nip.eko]);
    try {
      const res = await fetch(`${base}/admin?lang=id&unit=BKD-UMP`, { headers: { authorization: `Basic ${Buffer.from('admin:a-long-secret').toString('base64')}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('&lt;img src=x onerror=alert(1)&gt; Eko Bina');
      expect(text).not.toContain('<img');
      expect(text).not.toMatch(/<script/i);
    } finally {
      await conn.execute(`update employee set name = 'Eko Bina' where nip = ?`, [seed.nip.eko]);
    }
  });

  it('without credentials: 401 and no data', async () => {
    const res = await fetch(`${base}/admin`);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain('Eko Bina');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await fetch(`${base}/admin/unduh/results.csv?cycle=${seed.cycleId}`)).status).toBe(401);
    const wrong = await fetch(`${base}/admin`, { headers: { authorization: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('Eko Bina');
    // A session cookie that was never issued is no session.
    expect((await fetch(`${base}/admin`, { headers: { cookie: 'kinerja_hr=made-up-session-value' } })).status).toBe(401);
  });

  it('a wrong, a used and an expired link show only that the link is not valid', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const used = await link('used-link-secret-00002');
    await page.goto(used);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/\/admin\?lang=id$/);
    const expired = await link('expired-link-secret-03', new Date(NOW.getTime() - 1000));
    for (const url of [`${base}/admin/masuk?t=wrong-link-secret-0000&lang=id`, used, expired, `${base}/admin/masuk/lanjut?t=used-link-secret-00002`]) {
      const fresh = await context();
      const p = await fresh.newPage();
      const res = await p.goto(url);
      expect(res!.status()).toBe(401);
      const body = (await p.locator('body').textContent()) ?? '';
      expect(body).toContain('Tautan tidak berlaku');
      expect(body).not.toMatch(/Eko Bina|Triwulan|BKD/);
      await fresh.close();
    }
    await ctx.close();
  }, 120_000);
});
