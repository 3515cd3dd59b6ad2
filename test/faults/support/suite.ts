/**
 * One fault-test file's surroundings: a private PostgreSQL cluster and Redis started before its tests and
 * removed after them, the bot logs' folder, and the file's rows of the fault table printed at the end.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './servers.js';
import { printFaultTable, type FaultRow } from './table.js';

/** Where the bot processes' logs go (kept after the run). */
export const LOG_DIR = join(process.cwd(), 'data', 'faults');

export interface FaultSuite {
  /** Available inside tests (started by beforeAll). */
  readonly pgs: PrivatePostgres;
  readonly redis: PrivateRedis;
  /** The table rows this file adds. */
  readonly rows: FaultRow[];
}

/** Registers the file's beforeAll/afterAll; call once at the top of a fault-test file. */
export function faultSuite(): FaultSuite {
  let pgs: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  const rows: FaultRow[] = [];
  beforeAll(async () => {
    mkdirSync(LOG_DIR, { recursive: true });
    pgs = await startPrivatePostgres();
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    printFaultTable(rows);
    await redis?.stop();
    await pgs?.destroy();
  });
  return {
    get pgs() {
      if (!pgs) throw new Error('the private PostgreSQL starts in beforeAll');
      return pgs;
    },
    get redis() {
      if (!redis) throw new Error('the private Redis starts in beforeAll');
      return redis;
    },
    rows,
  };
}
