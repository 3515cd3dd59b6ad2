/**
 * The layering rules (.dependency-cruiser.cjs, run by `npm run lint`) really refuse an import that breaks
 * the picture: a throw-away tree with the project's layout gets one forbidden import per rule, and the
 * cruise must name exactly that rule. The real tree must pass.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Cruise {
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

function cruise(cwd: string): Cruise {
  try {
    return JSON.parse(execFileSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })) as Cruise;
  } catch (err) {
    // depcruise exits non-zero when it finds violations; the JSON is still on stdout.
    const out = (err as { stdout?: string }).stdout;
    if (!out) throw err;
    return JSON.parse(out) as Cruise;
  }
}

/** A minimal tree in the project's layout: each layer imports only what it may. */
const CLEAN: Record<string, string> = {
  'src/domain/rule.ts': `export const rule = 1;`,
  'src/db/store.ts': `import { rule } from '../domain/rule.js';\nexport const store = rule;`,
  'src/contract/index.ts': `export interface Message { text: string }`,
  'src/i18n/index.ts': `import type { Message } from '../contract/index.js';\nexport const t = (m: Message) => m.text;`,
  'src/clock.ts': `export const now = () => new Date();`,
  'src/engine/engine.ts': `import { store } from '../db/store.js';\nimport { t } from '../i18n/index.js';\nimport { now } from '../clock.js';\nexport const run = () => [store, t, now];`,
  'src/adapters/chat/adapter.ts': `import type { Message } from '../../contract/index.js';\nexport const send = (m: Message) => m;`,
  'src/platforms.ts': `import { send } from './adapters/chat/adapter.js';\nexport const platforms = [send];`,
  'src/jobs/job.ts': `import { platforms } from '../platforms.js';\nimport { store } from '../db/store.js';\nexport const job = [platforms, store];`,
  'src/charts/chart.ts': `import { rule } from '../domain/rule.js';\nexport const chart = rule;`,
};

const BREAKS: { rule: string; file: string; source: string }[] = [
  { rule: 'domain-is-pure', file: 'src/domain/bad.ts', source: `import { store } from '../db/store.js';\nexport const bad = store;` },
  { rule: 'db-over-domain', file: 'src/db/bad.ts', source: `import { run } from '../engine/engine.js';\nexport const bad = run;` },
  { rule: 'engine-over-domain-db-contract', file: 'src/engine/bad.ts', source: `import { job } from '../jobs/job.js';\nexport const bad = job;` },
  { rule: 'adapter-over-contract', file: 'src/adapters/chat/bad.ts', source: `import { store } from '../../db/store.js';\nexport const bad = store;` },
  { rule: 'jobs-over-domain-db-contract-registry', file: 'src/jobs/bad.ts', source: `import { run } from '../engine/engine.js';\nexport const bad = run;` },
  { rule: 'charts-over-domain', file: 'src/charts/bad.ts', source: `import { store } from '../db/store.js';\nexport const bad = store;` },
  { rule: 'no-cycles', file: 'src/domain/loop-a.ts', source: `import { b } from './loop-b.js';\nexport const a = () => b;` },
];

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

describe('layering rules (npm run lint)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinerja-layers-'));
    writeTree(dir, { ...CLEAN, 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a tree that keeps the layers passes', () => {
    expect(cruise(dir).summary.violations).toEqual([]);
  });

  it('each import that breaks a layer is refused by the rule for that layer', () => {
    // One cruise over all the breaks at once: each sits in its own file, so each rule fires independently.
    const extra: Record<string, string> = { 'src/domain/loop-b.ts': `import { a } from './loop-a.js';\nexport const b = () => a;` };
    for (const b of BREAKS) extra[b.file] = b.source;
    writeTree(dir, extra);
    try {
      const found = cruise(dir).summary.violations.map((v) => `${v.rule.name} ${v.from}`);
      for (const b of BREAKS) expect(found).toContain(`${b.rule} ${b.file}`);
    } finally {
      for (const f of Object.keys(extra)) rmSync(join(dir, f), { force: true });
    }
  });
});
