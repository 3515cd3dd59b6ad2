import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { formatDate, formatNumber, loadCatalogue, translator } from '../../src/i18n/index.js';
import { predicateLabel } from '../../src/i18n/labels.js';
import { awardAnnouncementText, finalResultText, predicateName, violationsText } from '../../src/jobs/messages.js';

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = String(v);
  }
  return out;
}

const placeholders = (msg: string) => new Set([...msg.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

/** The folders whose code sends user-visible text: the conversation engine and the background jobs. */
const TRANSLATING_DIRS = ['src/engine', 'src/jobs'];

/** Every `t('key', { a, b: x })`-style call in the engine and the jobs: key and the variable names passed. */
function translationCalls(): { file: string; key: string; vars: string[] }[] {
  const calls: { file: string; key: string; vars: string[] }[] = [];
  for (const file of TRANSLATING_DIRS.flatMap((dir) => sourceFiles(dir))) {
    const src = readFileSync(file, 'utf8');
    const re = /(?:\b(?:t|tr|ot|ct)|translator\([^()]*\))\(\s*'([a-z_]+\.[a-z_.]+)'\s*(,)?/g;
    for (let m = re.exec(src); m; m = re.exec(src)) {
      const vars: string[] = [];
      if (m[2]) {
        let i = src.indexOf('{', re.lastIndex);
        const start = i + 1;
        let depth = 1;
        while (depth > 0 && ++i < src.length) {
          if ('{(['.includes(src[i])) depth++;
          else if ('})]'.includes(src[i])) depth--;
        }
        const body = src.slice(start, i);
        let d = 0;
        let part = '';
        const parts: string[] = [];
        for (const ch of body) {
          if ('{(['.includes(ch)) d++;
          if ('})]'.includes(ch)) d--;
          if (ch === ',' && d === 0) {
            parts.push(part);
            part = '';
          } else part += ch;
        }
        parts.push(part);
        for (const p of parts) {
          const name = /^\s*(\w+)\s*(?::|$)/.exec(p)?.[1];
          if (name) vars.push(name);
        }
      }
      calls.push({ file, key: m[1], vars });
    }
  }
  return calls;
}

describe('message catalogues', () => {
  const id = flatten(loadCatalogue('id'));
  const en = flatten(loadCatalogue('en'));

  it('have the same keys in Indonesian and English', () => {
    // Plural forms are each language's own (English `key_one` beside `key`; Indonesian has one form).
    const base = (keys: string[]) => [...new Set(keys.map((k) => k.replace(/_(zero|one|two|few|many|other)$/, '')))].sort();
    expect(base(Object.keys(en))).toEqual(base(Object.keys(id)));
    expect(Object.keys(id).filter((k) => !(k in en))).toEqual([]);
  });

  it('use the same variables for a key in both languages', () => {
    for (const key of Object.keys(id)) expect([...placeholders(en[key] ?? '')].sort(), key).toEqual([...placeholders(id[key])].sort());
  });

  it('every key the engine and the jobs use exists, and the code passes every variable the message uses', () => {
    const calls = translationCalls();
    expect(calls.length).toBeGreaterThan(100);
    for (const c of calls) {
      expect(id, `${c.file}: ${c.key}`).toHaveProperty([c.key]);
      for (const v of placeholders(id[c.key])) expect(c.vars, `${c.file}: ${c.key} needs {{${v}}}`).toContain(v);
    }
  });

  it('the jobs take every text from the catalogues: each jobs.* key is used in src/jobs, and no job keeps its own texts', () => {
    const used = new Set(translationCalls().filter((c) => c.file.startsWith(join('src', 'jobs'))).map((c) => c.key));
    const jobKeys = Object.keys(id).filter((k) => k.startsWith('jobs.'));
    expect(jobKeys.length).toBeGreaterThan(20);
    expect(jobKeys.filter((k) => !used.has(k))).toEqual([]);
    // A sentence in code would not be translated: job sources hold no `{{placeholder}}` message templates.
    for (const file of sourceFiles('src/jobs')) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\{\{\w+\}\}/);
  });

  it('jobs render through i18next with the engine labels, Indonesian by default', () => {
    const en = translator('en');
    expect(en('jobs.digest.line.self', { name: 'Budi', nip: '1', done: 3, total: 5 })).toBe('- Budi (NIP 1): 3 of 5 indicators');
    expect(translator('id')('jobs.digest.line.self', { name: 'Budi', nip: '1', done: 3, total: 5 })).toBe('- Budi (NIP 1): 3 dari 5 indikator');
    const coaching = finalResultText('en', { cycle: 'Q1', predicate: 'butuh_perbaikan', hasil: 'di_bawah', perilaku: 'sesuai', feedback: null, plan: 'Weekly mentoring.', checkInDates: ['2027-01-05'] });
    expect(coaching).toContain('Rating: Needs Improvement (Butuh Perbaikan)');
    expect(coaching).toContain('Coaching plan from your supervisor: Weekly mentoring.');
    expect(coaching).toContain('5 January 2027');
    expect(finalResultText('xx', { cycle: 'Q1', predicate: 'baik', hasil: 'sesuai', perilaku: 'sesuai', feedback: 'Bagus.' })).toBe(
      'Hasil penilaian kinerja Q1 telah ditetapkan (final):\nHasil Kerja: Sesuai ekspektasi\nPerilaku Kerja: Sesuai ekspektasi\nPredikat: Baik\nUmpan balik atasan: Bagus.\nTerima kasih atas kinerja Anda.',
    );
    // The channel post names the position when there is one, and never shows empty brackets.
    expect(awardAnnouncementText({ name: 'Ani', position: 'Analis', cycle: 'Q1' })).toBe('Selamat kepada Ani (Analis) atas predikat kinerja Sangat Baik pada periode Q1!');
    expect(awardAnnouncementText({ name: 'Ani', position: ' ', cycle: 'Q1' })).toBe('Selamat kepada Ani atas predikat kinerja Sangat Baik pada periode Q1!');
    expect(predicateName('id', 'sangat_kurang')).toBe(predicateLabel(translator('id'), 'sangat_kurang'));
    const violation = violationsText('en', { cycle: 'Q1', unit: 'BKD', orgRating: 'baik', broken: [{ predicates: ['baik'], actual: 4, percent: 100, op: 'max', allowed: 2 }] });
    expect(violation).toBe('Cycle Q1 is closed. The ratings of unit BKD (organisational result: Good (Baik)) break the distribution curve:\n- Good (Baik): 4 people (100%), at most 2 allowed');
  });

  it('the scanner would catch a missing variable (the check can fail)', () => {
    const missing = [...placeholders(id['review.prompt'])].filter((v) => !['name', 'nip', 'cycle'].includes(v));
    expect(missing).toEqual(['round']);
  });

  it('renders every message exactly as i18next does, also with a missing variable or key', () => {
    const reference = i18next.createInstance();
    void reference.init({
      resources: { id: { translation: loadCatalogue('id') }, en: { translation: loadCatalogue('en') } },
      lng: 'id',
      fallbackLng: 'id',
      interpolation: { escapeValue: false },
      initAsync: false,
      showSupportNotice: false,
    });
    for (const locale of ['id', 'en'] as const) {
      const ours = translator(locale);
      const theirs = reference.getFixedT(locale);
      for (const key of Object.keys(id)) {
        const names = [...placeholders(id[key])];
        const vars = Object.fromEntries(names.map((n, i) => [n, i % 2 ? i * 1.5 : `<${n} & "x">`]));
        expect(ours(key, vars), `${locale}: ${key}`).toBe(theirs(key, vars));
        expect(ours(key), `${locale}: ${key} without variables`).toBe(theirs(key, {}));
        if (names.length) expect(ours(key, { count: 2, ...vars })).toBe(theirs(key, { count: 2, ...vars }));
      }
      expect(ours('no.such_key')).toBe(theirs('no.such_key', {}));
      expect(ours('review', {})).toBe(theirs('review', {}));
      expect(ours('review.prompt', { name: 'A', lng: 'en' })).toBe(theirs('review.prompt', { name: 'A', lng: 'en' }));
    }
  });

  it('formats numbers and dates per locale', () => {
    expect(formatNumber('id', 12.5)).toBe('12,5');
    expect(formatNumber('en', 12.5)).toBe('12.5');
    expect(formatNumber('id', 1234.5)).toBe('1.234,5');
    expect(formatDate('id', '2027-01-05')).toBe('5 Januari 2027');
    expect(formatDate('en', '2027-01-05')).toBe('5 January 2027');
    expect(translator('en')('rating.sesuai')).toBe('Meets expectation');
    expect(translator('id')('rating.sesuai')).toBe('Sesuai ekspektasi');
  });
});
