/** Helpers of the job suites: outbox rows, configuration, polling for workers' effects, queue prefixes. Their data comes from ../support/seed.ts. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig, type Config } from '../../src/config.js';
import { sql } from '../support/seed.js';

export async function addOutbox(em: EntityManager, chatId: string, text: string, opts: { platform?: string; createdAt?: Date } = {}): Promise<number> {
  const [o] = await sql<{ id: string }>(
    em,
    `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, attempts, created_at) values (?, ?, ?, ?, 'pending', 0, ?) returning id`,
    [opts.platform ?? 'telegram', chatId, JSON.stringify({ text }), `test:${chatId}:${text}:${Math.random()}`, opts.createdAt ?? new Date()],
  );
  return Number(o.id);
}

/** Configuration for tests: defaults, plus the given variables. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

/** Polls `check` until it is truthy (state changes made by workers), failing after `ms`. Not used for timing. */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A unique BullMQ prefix per test file, so parallel files do not collide on the shared Redis. */
export function uniquePrefix(label: string): string {
  return `t_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
