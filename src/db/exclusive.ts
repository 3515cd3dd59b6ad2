/**
 * Roles only one process may hold (contract `ExclusiveRoles`), on PostgreSQL session advisory locks.
 *
 * Each held role keeps a connection of its own: the lock lives as long as that session, so a holder that
 * dies (kill -9, a lost machine) frees it as soon as PostgreSQL sees the connection gone, and a stand-by,
 * asking every `retryMs`, takes over. The holder checks its session every `heartbeatMs`: when the database
 * restarts or stops answering, the lease reports itself lost and the work stops, because by then another
 * process may hold the lock. Advisory locks are per database, so deployments on one server do not meet.
 *
 * The embedded database (PGlite, one session for the whole process) has one process by construction: the
 * role is granted at once there.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { ExclusiveLease, ExclusiveRoles } from '../contract/index.js';
import type { Logger } from '../logger.js';

export interface ExclusiveRolesOptions {
  databaseUrl: string;
  /** The embedded database: one process, nothing to share. */
  singleSession: boolean;
  logger: Logger;
  /** How often a stand-by asks for the lock (default 2 s: a dead holder is replaced within a few seconds). */
  retryMs?: number;
  /** How often the holder checks that its session is alive (default 3 s, each check given as long to answer). */
  heartbeatMs?: number;
}

/** The advisory lock key of a role: 64 bits of its name's hash, as PostgreSQL's signed bigint. */
export function advisoryKey(role: string): string {
  return createHash('sha256').update(`kinerja:${role}`).digest().readBigInt64BE(0).toString();
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const granted: ExclusiveLease = { lost: new AbortController().signal, release: async () => undefined };

export function createExclusiveRoles(opts: ExclusiveRolesOptions): ExclusiveRoles {
  const retryMs = opts.retryMs ?? 2_000;
  const heartbeatMs = opts.heartbeatMs ?? 3_000;
  const log = opts.logger.child({ part: 'exclusive-roles' });

  /** The lease over `client`, which holds the lock on `key`. */
  function leaseOver(role: string, key: string, client: pg.Client): ExclusiveLease {
    const lost = new AbortController();
    let released = false;
    const lose = (why: string) => {
      if (released || lost.signal.aborted) return;
      log.warn({ role, why }, 'exclusive role lost: its database session ended or stopped answering; the work stops');
      lost.abort(new Error(`exclusive role ${role} lost: ${why}`));
      clearInterval(heartbeat);
      void client.end().catch(() => undefined);
    };
    client.on('end', () => lose('session ended'));
    client.on('error', (err) => lose(err.message));
    const heartbeat = setInterval(() => {
      client.query('select 1').catch((err: Error) => lose(err.message));
    }, heartbeatMs);
    heartbeat.unref();
    return {
      lost: lost.signal,
      async release() {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        if (!lost.signal.aborted) await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }

  return {
    async acquire(role, signal) {
      if (opts.singleSession) return granted;
      const key = advisoryKey(role);
      let waitingSaid = false;
      for (;;) {
        if (signal.aborted) throw abortError(signal);
        // query_timeout bounds every statement, the heartbeat's too: a session that stops answering is lost.
        const client = new pg.Client({ connectionString: opts.databaseUrl, keepAlive: true, query_timeout: heartbeatMs, application_name: `kinerja ${role}` });
        client.on('error', () => undefined); // until the lease listens: a failed connect is handled below
        try {
          await client.connect();
          for (;;) {
            const { rows } = await client.query<{ held: boolean }>('select pg_try_advisory_lock($1::bigint) as held', [key]);
            if (rows[0]?.held) {
              if (signal.aborted) {
                await client.end().catch(() => undefined);
                throw abortError(signal);
              }
              client.removeAllListeners('error');
              if (waitingSaid) log.info({ role }, 'exclusive role taken over: this process holds it now');
              return leaseOver(role, key, client);
            }
            if (!waitingSaid) log.info({ role }, 'exclusive role held by another process: standing by');
            waitingSaid = true;
            await sleep(retryMs, signal);
          }
        } catch (err) {
          await client.end().catch(() => undefined);
          if (signal.aborted) throw abortError(signal);
          log.warn({ role, err: (err as Error).message }, 'exclusive role: could not ask the database; asking again');
          await sleep(retryMs, signal);
        }
      }
    },
  };
}
