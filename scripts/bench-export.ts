/**
 * Export benchmark (issue 11, item 5): a cycle of 100,000 employees with answers, own targets, reviews,
 * coaching and objections, seeded set-based in a scratch database; then the results export as XLSX and as
 * CSV (and the monitoring export) each run in its own child process, which reports the export's wall time
 * and the process's peak RSS (process.resourceUsage().maxRSS). Targets: <= 30 s and <= 300 MB each. Then
 * one `/pantau` chart drawn (<= 300 ms) and the HR overview page served for the whole cycle (<= 500 ms).
 * Server: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; the scratch database is dropped.
 *
 * Usage: npm run bench:export [-- --count 100000 --units 200 --keep]   (then: -- --reuse NAME [--page-only])
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { migrate, openOrm } from '../src/db/orm.js';
import { translator } from '../src/i18n/index.js';
import { CsvReportWriter, exportMonitoring, exportResults, XlsxReportWriter } from '../src/reports/index.js';
import { keepHeapTightForBatch } from '../src/setup/batch-memory.js';
import { createCycle } from '../src/setup/cycles.js';
import { processCpuSeconds } from './proc-cpu.js';

const TARGET_SECONDS = 30;
const TARGET_RSS_MB = 300;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** CPU seconds used so far by each PostgreSQL backend serving this database (Linux /proc; 0 elsewhere). */
async function backendCpu(probe: pg.Client): Promise<Map<number, number>> {
  const pids = (await probe.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')).rows;
  const out = new Map<number, number>();
  for (const { pid } of pids) {
    // Unreadable: not on this machine (a remote server) or already gone.
    const used = processCpuSeconds(pid);
    if (used !== null) out.set(pid, used);
  }
  return out;
}

/**
 * Child mode: one export, then one JSON line: wall time, this process's CPU time and peak RSS, and the CPU
 * time of the PostgreSQL backends that served it. The CPU figures show the work itself, which a busy shared
 * machine stretches out in wall time.
 */
async function child(kind: string, format: string, url: string, cycleId: number, file: string): Promise<void> {
  keepHeapTightForBatch(); // as `kinerja export` does
  const orm = await openOrm({ url, poolMax: 2 });
  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  await orm.em.fork().getConnection().execute('select 1');
  const pgBefore = await backendCpu(probe);
  const before = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const out = createWriteStream(file);
  const writer = format === 'xlsx' ? new XlsxReportWriter(out) : new CsvReportWriter(out);
  const opts = { cycleId, t: translator('id'), lang: 'id' as const, now: new Date() };
  const em = orm.em.fork() as EntityManager;
  const r = kind === 'results' ? await exportResults(em, opts, writer) : await exportMonitoring(em, opts, writer);
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const pgAfter = await backendCpu(probe);
  const pgCpuSeconds = [...pgAfter].reduce((sum, [pid, s]) => sum + s - (pgBefore.get(pid) ?? 0), 0);
  await probe.end();
  await orm.close(true);
  const result = { rows: r.rows, seconds, cpuSeconds: (used.user + used.system) / 1e6, pgCpuSeconds, maxRssMb, rssBeforeMb: before / 1024, bytes: statSync(file).size };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Seeds the cycle with set-based SQL: a handful of statements, whatever the head count. */
async function seed(client: pg.Client, em: EntityManager, count: number, units: number): Promise<number> {
  await client.query(`insert into unit (code, name, parent_id, org_rating, announce_channels, created_at, updated_at)
                      values ('PEMPROV', 'Pemerintah Provinsi', null, null, '{}', now(), now())`);
  await client.query(
    `insert into unit (code, name, parent_id, org_rating, announce_channels, created_at, updated_at)
     select 'U' || lpad(g::text, 4, '0'), 'Unit kerja ' || g, (select id from unit where code = 'PEMPROV'),
            (array['istimewa','baik','butuh_perbaikan', null])[1 + g % 4], '{}', now(), now()
       from generate_series(1, $1::int) g`,
    [units],
  );
  // Person g belongs to unit g % units; the first person of each unit heads it and supervises the others.
  await client.query(
    `insert into employee (nip, name, email, position, position_kind, unit_id, supervisor_id, roles, timezone, locale, active, opt_out_announcements, created_at, updated_at)
     select lpad((197001010000000000 + g)::text, 18, '0'),
            (array['Ahmad','Siti','Budi','Dewi','Eko','Fitri','Gilang','Hana'])[1 + g % 8] || ' ' || (array['Saputra','Wulandari','Santoso','Rahmawati','Hidayat','Kusuma'])[1 + g % 6] || ' ' || g,
            null, case when g <= $2 then 'Kepala Unit' else 'Analis Kebijakan' end, case when g <= $2 then 'administrator' else 'pelaksana' end,
            (select id from unit where code = 'U' || lpad((1 + (g - 1) % $2)::text, 4, '0')), null, '{pegawai}', 'Asia/Jakarta', 'id', true, false, now(), now()
       from generate_series(1, $1::int) g`,
    [count, units],
  );
  await client.query(`update employee e set supervisor_id = h.id from employee h
                       where h.unit_id = e.unit_id and h.position_kind = 'administrator' and e.position_kind = 'pelaksana'`);
  const cycle = await createCycle(em, { name: 'Tahunan 2026', kind: 'tahunan', periodStart: '2026-01-01', periodEnd: '2026-12-31', selfDeadline: '2027-01-15', reviewDeadline: '2027-01-29' }, { actor: 'bench' });
  await client.query(`update cycle set status = 'open', opened_at = now() where id = $1`, [cycle.id]);
  await client.query(
    `insert into employee_target (employee_id, cycle_id, code, rhk_kind, rhk, iki, target, unit_of_measure, position)
     select e.id, $1, 'RHK' || k, case k when 1 then 'utama' else 'tambahan' end,
            'Rencana hasil kerja ' || k || ' untuk ' || e.name, 'Persentase dokumen selesai tepat waktu, sesuai standar', 100, '%', k
       from employee e cross join generate_series(1, 2) k`,
    [cycle.id],
  );
  // Status mix: 10% not started, 10% draft, 20% submitted, 5% returned, 55% reviewed.
  await client.query(
    `insert into assessment (employee_id, cycle_id, status, round, thread_key, reflection, submitted_at, reviewed_at, late, hasil_kerja, perilaku, predicate, matrix_version, version, created_at, updated_at)
     select e.id, $1, s.status, case when s.status = 'returned' then 2 else 1 end, md5(e.id::text || 'bench'), null,
            case when s.status in ('submitted','returned','reviewed') then now() - interval '3 days' end,
            case when s.status = 'reviewed' then now() - interval '1 day' end, e.id % 17 = 0,
            case when s.status = 'reviewed' then (array['di_atas','sesuai','sesuai','di_bawah'])[1 + e.id % 4] end,
            case when s.status = 'reviewed' then (array['sesuai','di_atas','sesuai'])[1 + e.id % 3] end,
            null, case when s.status = 'reviewed' then 'v1' end, 1, now(), now()
       from employee e
       cross join lateral (select case when e.id % 20 < 2 then 'draft' when e.id % 20 < 4 then 'draft' when e.id % 20 < 8 then 'submitted' when e.id % 20 = 8 then 'returned' else 'reviewed' end as status) s`,
    [cycle.id],
  );
  await client.query(`update assessment set predicate = case
      when hasil_kerja = 'di_atas' and perilaku = 'di_atas' then 'sangat_baik' when hasil_kerja = 'di_bawah' then 'butuh_perbaikan' else 'baik' end
     where cycle_id = $1 and status = 'reviewed'`, [cycle.id]);
  // Answers: every item for assessments past "not started" (e.id % 20 >= 2).
  await client.query(
    `insert into answer (assessment_id, item_key, indicator_id, target_id, realisasi, narrative, evidence, evidence_skipped, supervisor_rating, updated_at)
     select a.id, 'ind:' || i.id, i.id, null, round((i.target * (0.5 + (a.id % 70) / 100.0))::numeric, 2),
            'Capaian triwulan, termasuk layanan "prioritas"; rincian di bukti dukung', '[]', true,
            case when a.status = 'reviewed' then (array['di_atas','sesuai','di_bawah'])[1 + (a.id + i.id) % 3] end, now()
       from assessment a join indicator i on i.cycle_id = a.cycle_id and i.kind = 'hasil_kerja'
      where a.cycle_id = $1 and a.employee_id % 20 >= 2`,
    [cycle.id],
  );
  await client.query(
    `insert into answer (assessment_id, item_key, indicator_id, target_id, realisasi, narrative, evidence, evidence_skipped, supervisor_rating, updated_at)
     select a.id, 'tgt:' || t.id, null, t.id, 60 + (a.id % 50), 'Dokumen diselesaikan bertahap', '[]', true,
            case when a.status = 'reviewed' then 'sesuai' end, now()
       from assessment a join employee_target t on t.employee_id = a.employee_id and t.cycle_id = a.cycle_id
      where a.cycle_id = $1 and a.employee_id % 20 >= 4`,
    [cycle.id],
  );
  await client.query(
    `insert into review (assessment_id, round, reviewer_id, acting_kind, outcome, indicator_ratings, suggested_hasil_kerja, hasil_kerja, perilaku, perilaku_note, feedback, return_note, predicate, matrix_version, created_at)
     select a.id, 1, e.supervisor_id, null, case when a.status = 'returned' then 'returned' else 'rated' end, '{}', a.hasil_kerja, a.hasil_kerja, a.perilaku,
            case when a.status = 'reviewed' then 'Kolaboratif dan adaptif' end,
            case when a.status = 'reviewed' then 'Pertahankan kinerja, tingkatkan dokumentasi.' end,
            case when a.status = 'returned' then 'Lengkapi bukti dukung' end, a.predicate, a.matrix_version, now()
       from assessment a join employee e on e.id = a.employee_id
      where a.cycle_id = $1 and a.status in ('reviewed','returned') and e.supervisor_id is not null`,
    [cycle.id],
  );
  await client.query(
    `insert into follow_up (assessment_id, kind, plan, first_check_in, status, created_at)
     select a.id, 'coaching', 'Pendampingan mingguan oleh atasan', current_date + 14, 'open', now()
       from assessment a where a.cycle_id = $1 and a.predicate = 'butuh_perbaikan'`,
    [cycle.id],
  );
  await client.query(
    `insert into check_in (follow_up_id, due_on, done_at, employee_rating, note)
     select f.id, f.first_check_in + (w - 1) * 14, null, case when w = 1 then 4 end, null from follow_up f cross join generate_series(1, 2) w`,
  );
  await client.query(
    `insert into objection (assessment_id, reason, status, created_at)
     select a.id, 'Target berubah di tengah periode', 'open', now() from assessment a where a.cycle_id = $1 and a.status = 'reviewed' and a.employee_id % 100 = 50`,
    [cycle.id],
  );
  await client.query('analyze');
  return cycle.id;
}

interface ChildResult {
  rows: number;
  seconds: number;
  cpuSeconds: number;
  pgCpuSeconds: number;
  maxRssMb: number;
  rssBeforeMb: number;
  bytes: number;
}

function runChild(kind: string, format: string, url: string, cycleId: number, file: string): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', self, '--child', kind, format, url, String(cycleId), file], { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${kind} ${format} export failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

async function main(): Promise<void> {
  const count = arg('count', 100_000);
  const units = arg('units', 200);
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // --reuse NAME: export from a database kept by an earlier --keep run (cycle 1), without seeding again.
  const reuseAt = process.argv.indexOf('--reuse');
  const reuse = reuseAt >= 0 ? process.argv[reuseAt + 1] : undefined;
  const scratch = reuse ?? `kinerja_bench_export_${Date.now().toString(36)}`;
  const url = new URL(server);
  url.pathname = `/${scratch}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  if (!reuse) await admin.query(`CREATE DATABASE ${scratch}`);
  const dir = mkdtempSync(join(tmpdir(), 'kinerja-bench-export-'));
  let failed = false;
  try {
    const orm = await openOrm({ url: url.toString(), poolMax: 2 });
    await migrate(orm);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    console.log(`kinerja bench:export: ${reuse ? `database ${reuse}` : `${count} employees in ${units} units`}, PostgreSQL ${(await admin.query('show server_version')).rows[0].server_version}`);
    let t = performance.now();
    const cycleId = reuse ? 1 : await seed(client, orm.em.fork() as EntityManager, count, units);
    const counts = (await client.query(`select (select count(*) from assessment) as assessments, (select count(*) from answer) as answers,
        (select count(*) from review) as reviews, (select count(*) from check_in) as check_ins, (select count(*) from objection) as objections`)).rows[0];
    if (!reuse) console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
    await client.end();
    await orm.close(true);

    console.log(`\nexport                 rows   wall (s)   node CPU (s)   PostgreSQL CPU (s)   peak RSS (MB)   file (MB)   load avg   target <= ${TARGET_SECONDS} s, <= ${TARGET_RSS_MB} MB`);
    // --page-only: the pictures and the HR page alone (a database kept by --keep, with --reuse).
    const exports = process.argv.includes('--page-only') ? [] : ([['results', 'xlsx'], ['results', 'csv'], ['monitoring', 'xlsx'], ['monitoring', 'csv']] as const);
    for (const [kind, format] of exports) {
      t = performance.now();
      const r = await runChild(kind, format, url.toString(), cycleId, join(dir, `${kind}.${format}`));
      const ok = r.seconds <= TARGET_SECONDS && r.maxRssMb <= TARGET_RSS_MB;
      failed ||= !ok;
      console.log(
        `${`${kind} ${format}`.padEnd(20)} ${String(r.rows).padStart(7)}   ${r.seconds.toFixed(1).padStart(8)}   ${r.cpuSeconds.toFixed(1).padStart(12)}   ${r.pgCpuSeconds.toFixed(1).padStart(18)}   ${r.maxRssMb.toFixed(0).padStart(13)}   ${(r.bytes / 1e6).toFixed(1).padStart(9)}   ${loadavg()[0]!.toFixed(1).padStart(8)}   ${ok ? 'ok' : 'MISSED'} (RSS before the export ${r.rssBeforeMb.toFixed(0)} MB)`,
      );
    }

    failed = !(await picturesAndPage(url.toString(), cycleId)) || failed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (!process.argv.includes('--keep') && !reuse) await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    else console.log(`kept database ${scratch}`);
    await admin.end();
  }
  process.exitCode = failed ? 1 : 0;
}

const CHART_TARGET_MS = 300;
const PAGE_TARGET_MS = 500;

/** Median and worst of `runs` timed calls of `fn`, after one untimed warm-up. */
async function timed(fn: () => Promise<unknown>, runs = 5): Promise<{ median: number; max: number }> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)! };
}

/**
 * The `/pantau` pictures (one chart: SVG drawn and rasterised to PNG, from counts already read; the counting
 * query timed apart) and the HR overview page served for the whole cycle (GET /admin, signed in). Returns
 * whether both are within target.
 */
async function picturesAndPage(url: string, cycleId: number): Promise<boolean> {
  const { completionSvg, distributionSvg } = await import('../src/reports/chat-files.js');
  const { forgetDrawnCharts, svgToPng } = await import('../src/charts/index.js');
  const { unitCounts } = await import('../src/reports/unit-counts.js');
  const { resolveScope } = await import('../src/reports/scope.js');
  const { hrPageRouter } = await import('../src/http/hr-page.js');
  const { createHttpServer } = await import('../src/http/server.js');
  // The pool the service opens on PostgreSQL (src/service.ts): the page reads its five lists side by side.
  const orm = await openOrm({ url, poolMax: 20 });
  const em = () => orm.em.fork() as EntityManager;
  const now = new Date();
  const t = translator('id');
  const http = createHttpServer({ port: 0, host: '127.0.0.1' });
  try {
    const scope = await resolveScope(em(), cycleId);
    const counting = await timed(() => unitCounts(em(), scope, now));
    const units = await unitCounts(em(), scope, now);
    // Drawn afresh each time: the chart module keeps pictures it drew (an unchanged picture is not drawn again).
    const completion = await timed(async () => {
      forgetDrawnCharts();
      return svgToPng(completionSvg(t, 'id', scope.cycle, units, now));
    });
    const curve = await timed(async () => {
      forgetDrawnCharts();
      return svgToPng(distributionSvg(t, scope.cycle, units));
    });
    http.mount(hrPageRouter({ em, now: () => now, adminUser: 'bench', adminPassword: 'bench-password' }));
    const port = await http.start();
    const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
    let bytes = 0;
    const view = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/admin?cycle=${cycleId}`, { headers: { authorization: auth } });
      if (res.status !== 200) throw new Error(`GET /admin answered ${res.status}`);
      bytes = (await res.text()).length;
    };
    // A view after counts changed (both pictures drawn), and a view of counts that did not change (pictures kept).
    const fresh = await timed(async () => {
      forgetDrawnCharts();
      await view();
    });
    const page = await timed(view);
    const chartOk = Math.max(completion.median, curve.median) <= CHART_TARGET_MS;
    // Both views count: counts change all day during a cycle, so many views draw their pictures.
    const pageOk = page.median <= PAGE_TARGET_MS && fresh.median <= PAGE_TARGET_MS;
    const line = (name: string, r: { median: number; max: number }, target: string, ok?: boolean) =>
      console.log(`${name.padEnd(44)} ${r.median.toFixed(0).padStart(6)} ms median, ${r.max.toFixed(0).padStart(6)} ms worst of 5   ${target}${ok === undefined ? '' : ok ? '   ok' : '   MISSED'}`);
    console.log(`\npictures and HR page (${units.length} units, load avg ${loadavg()[0]!.toFixed(1)})`);
    line('per-unit counts (one grouped query)', counting, '');
    line('one chart: completion, SVG + PNG', completion, `target <= ${CHART_TARGET_MS} ms`, completion.median <= CHART_TARGET_MS);
    line('one chart: distribution, SVG + PNG', curve, `target <= ${CHART_TARGET_MS} ms`, curve.median <= CHART_TARGET_MS);
    line(`HR overview page GET /admin (${(bytes / 1e3).toFixed(0)} kB)`, page, `target <= ${PAGE_TARGET_MS} ms`, page.median <= PAGE_TARGET_MS);
    line('  the same, pictures drawn afresh', fresh, `target <= ${PAGE_TARGET_MS} ms`, fresh.median <= PAGE_TARGET_MS);
    return chartOk && pageOk;
  } finally {
    await http.stop();
    await orm.close(true);
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const [kind, format, url, cycleId, file] = process.argv.slice(childAt + 1);
  await child(kind!, format!, url!, Number(cycleId), file!);
} else {
  await main();
}
