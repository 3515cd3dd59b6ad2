import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDate, formatNumber, loadCatalogue, translator } from '../../src/engine/i18n.js';

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

/** Every `t('key', { a, b: x })`-style call in the engine: key and the variable names passed. */
function translationCalls(): { file: string; key: string; vars: string[] }[] {
  const calls: { file: string; key: string; vars: string[] }[] = [];
  for (const file of sourceFiles('src/engine')) {
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
    expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort());
  });

  it('use the same variables for a key in both languages', () => {
    for (const key of Object.keys(id)) expect([...placeholders(en[key] ?? '')].sort(), key).toEqual([...placeholders(id[key])].sort());
  });

  it('every key the engine uses exists, and the engine passes every variable the message uses', () => {
    const calls = translationCalls();
    expect(calls.length).toBeGreaterThan(100);
    for (const c of calls) {
      expect(id, `${c.file}: ${c.key}`).toHaveProperty([c.key]);
      for (const v of placeholders(id[c.key])) expect(c.vars, `${c.file}: ${c.key} needs {{${v}}}`).toContain(v);
    }
  });

  it('the scanner would catch a missing variable (the check can fail)', () => {
    const missing = [...placeholders(id['review.prompt'])].filter((v) => !['name', 'nip', 'cycle'].includes(v));
    expect(missing).toEqual(['round']);
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
