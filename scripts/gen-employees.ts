/**
 * Synthetic employee files for tests and the import benchmark: N employees in U units with valid NIPs and a
 * valid supervisor tree (each unit's head reports to the parent unit's head), optionally with K bad rows of
 * known kinds on known lines.
 *
 * Usage: node --import tsx scripts/gen-employees.ts --count 10000 --units 50 [--bad 5] > employees.csv
 */
import { pathToFileURL } from 'node:url';

/** What to generate. */
export interface GenerateOptions {
  readonly count: number;
  readonly units: number;
  /** Rows to spoil, each with a different fault (invalid NIP, NIP twice, unknown supervisor, ...). */
  readonly badRows?: number;
  /** NIP birth years are shifted by this, so two files can hold different people. */
  readonly variant?: number;
}

/** A generated file and, for checking, which lines were spoiled and why. */
export interface GeneratedFile {
  readonly csv: string;
  readonly bad: readonly { readonly line: number; readonly fault: string }[];
  /** NIP of each data row, in file order (after spoiling). */
  readonly nips: readonly string[];
}

export const EMPLOYEE_HEADER = ['nip', 'nama', 'email', 'jabatan', 'jenis_jabatan', 'unit_kode', 'unit_nama', 'unit_induk', 'atasan_nip', 'peran', 'zona_waktu', 'bahasa'];

const FIRST = ['Ahmad', 'Siti', 'Budi', 'Dewi', 'Eko', 'Fitri', 'Gilang', 'Hana', 'Irfan', 'Joko', 'Kartika', 'Lestari', 'Made', 'Nur', 'Putu', 'Rina'];
const LAST = ['Saputra', 'Wulandari', 'Santoso', 'Rahmawati', 'Hidayat', 'Kusuma', 'Pratama', 'Lubis', 'Siregar', 'Nasution', 'Wijaya', 'Halim'];
const AGENCIES = ['Dinas Pendidikan', 'Dinas Kesehatan', 'Badan Kepegawaian Daerah', 'Dinas Perhubungan', 'Dinas Sosial', 'Satpol PP'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A valid NIP, unique for every `i` below 11,760 x 999. */
export function syntheticNip(i: number, variant = 0): string {
  const birthYear = 1960 + ((i + variant) % 35);
  const month = 1 + (Math.floor(i / 35) % 12);
  const day = 1 + (Math.floor(i / 420) % 28);
  const appointmentYear = birthYear + 23;
  const appointmentMonth = 1 + (i % 12);
  const gender = 1 + (i % 2);
  const seq = 1 + (Math.floor(i / 11_760) % 999);
  return `${birthYear}${pad(month, 2)}${pad(day, 2)}${appointmentYear}${pad(appointmentMonth, 2)}${gender}${pad(seq, 3)}`;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Generates the file. Only rows nobody reports to are spoiled, so each fault shows on exactly one line. */
export function generateEmployees(opts: GenerateOptions): GeneratedFile {
  const { count, units } = opts;
  const members: number[][] = Array.from({ length: units }, () => []);
  for (let i = 0; i < count; i++) members[i % units]!.push(i);
  const nip = (i: number) => syntheticNip(i, opts.variant ?? 0);
  const unitParent = (u: number) => (u === 0 ? null : Math.floor((u - 1) / 5));
  const rows: string[][] = [];
  const leaves: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = i % units;
    const list = members[u]!;
    const j = Math.floor(i / units);
    const parent = unitParent(u);
    let supervisor: number | null;
    if (j === 0) supervisor = parent === null ? null : members[parent]![0]!;
    else supervisor = list[Math.floor((j - 1) / 8)]!;
    const hasReports = 8 * j + 1 < list.length;
    const kind = j === 0 ? (u === 0 ? 'jpt' : 'administrator') : hasReports ? 'pengawas' : i % 3 === 0 ? 'fungsional' : 'pelaksana';
    if (!hasReports && j > 0) leaves.push(i);
    const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
    rows.push([
      nip(i),
      name,
      `${name.toLowerCase().replace(/\s+/g, '.')}.${i}@jakarta.go.id`,
      j === 0 ? `Kepala ${u === 0 ? 'Badan' : 'Bidang'} ${u}` : kind === 'pengawas' ? `Kepala Seksi ${j}` : 'Analis Kepegawaian',
      kind,
      `U${pad(u, 3)}`,
      u === 0 ? 'Badan Kepegawaian Daerah' : `${AGENCIES[u % AGENCIES.length]} Bidang ${u}`,
      parent === null ? '' : `U${pad(parent, 3)}`,
      supervisor === null ? '' : nip(supervisor),
      j === 0 ? 'pegawai,admin' : 'pegawai',
      u % 17 === 16 ? 'WITA' : 'WIB',
      i % 10 === 9 ? 'en' : 'id',
    ]);
  }

  const faults: [string, (row: string[]) => void][] = [
    ['invalid_nip', (r) => (r[0] = r[0]!.slice(0, 12) + '13' + r[0]!.slice(14))],
    ['duplicate_nip', (r) => (r[0] = rows[leaves[0]!]![0]!)],
    ['unknown_supervisor', (r) => (r[8] = '199001012015011999')],
    ['unknown_timezone', (r) => (r[10] = 'Mars/Olympus')],
    ['missing_field', (r) => (r[1] = '')],
    ['bad_value', (r) => (r[4] = 'direktur')],
  ];
  const bad: { line: number; fault: string }[] = [];
  const k = opts.badRows ?? 0;
  if (k > 0 && k > leaves.length - 1) throw new Error(`cannot spoil ${k} rows: only ${leaves.length - 1} rows have no reports`);
  for (let b = 0; b < k; b++) {
    // Spread over the file, skipping leaves[0] (the NIP the duplicate copies).
    const i = leaves[1 + Math.floor(((b + 0.5) * (leaves.length - 1)) / k)]!;
    const [fault, spoil] = faults[b % faults.length]!;
    spoil(rows[i]!);
    bad.push({ line: i + 2, fault });
  }
  bad.sort((a, b) => a.line - b.line);
  const csv = [EMPLOYEE_HEADER, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
  return { csv, bad, nips: rows.map((r) => r[0]!) };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a whole number, got "${process.argv[i + 1] ?? ''}"`);
    process.exit(1);
  }
  return v;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = generateEmployees({ count: arg('count', 1000), units: arg('units', 20), badRows: arg('bad', 0) });
  process.stdout.write(file.csv);
  for (const b of file.bad) console.error(`spoiled line ${b.line}: ${b.fault}`);
}
