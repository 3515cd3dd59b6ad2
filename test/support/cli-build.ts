/**
 * Vitest global set-up: the `kinerja` CLI transpiled once per run, so the CLI tests start it as plain
 * JavaScript. tsx transpiles with the same esbuild on every start of every process; with about fifty CLI
 * runs in the suite that start-up was most of the suite's time (2-4 s a run on the 2-core CI machine, against
 * under half a second here). Same sources, same transform; the launcher path itself (`bin/kinerja.js`,
 * `npm run kinerja`) keeps a test of its own.
 *
 * The copy keeps the repository's layout one level down (`<build>/src`, `<build>/migrations`) with links to
 * the files the code reads beside itself (locales, templates, the demo CSV), so every `import.meta.url`
 * path resolves as it does from the sources; packages resolve from the repository's node_modules.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

export default async function setup(project: TestProject): Promise<() => void> {
  const out = join(ROOT, 'data', `test-build-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [...sources('src'), ...sources('migrations')].map((f) => join(ROOT, f)),
    outdir: out,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  symlinkSync(join(ROOT, 'locales'), join(out, 'locales'));
  symlinkSync(join(ROOT, 'templates'), join(out, 'templates'));
  cpSync(join(ROOT, 'src', 'demo', 'employees.csv'), join(out, 'src', 'demo', 'employees.csv'));
  project.provide('kinerjaCli', join(out, 'src', 'cli', 'index.js'));
  return () => rmSync(out, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    kinerjaCli: string;
  }
}
