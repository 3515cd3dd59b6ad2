/**
 * Starts the roles of the product in this process. `bot` is ingress: the HTTP server (health, webhooks,
 * admin pages) and every platform adapter whose credentials are set, or the console chat when none is.
 * `worker` is every queue worker and job scheduler. `npm start` runs both on the embedded default.
 * SIGTERM/SIGINT stop intake first, let jobs in flight finish, then close the database.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { isDemo, type Config } from './config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { ingressLookups } from './db/lookups.js';
import { auditKey, useAuditKey } from './db/audit.js';
import { reportPlatformStart, type PlatformStartReport } from './db/platform-status.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { countPendingOutbox, outboxChats } from './db/outbox.js';
import { txOf } from './db/sql.js';
import { deliverOutboxRow } from './jobs/deliver-row.js';
import { spellCommands, type PlatformAdapter, type PlatformConfig, type PlatformSender, type TerminalSession } from './contract/index.js';
import { localeFromHint, translator } from './i18n/index.js';
import { createEngine } from './engine/engine.js';
import { createInboxConsumer, type InboxConsumer } from './engine/inbox-consumer.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { PLATFORM_MODULES, platformModule } from './platforms.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from './jobs/worker-role.js';
import { mountQueueAdmin } from './http/queue-admin.js';
import { createExclusiveRoles } from './db/exclusive.js';
import { DEMO_EMPLOYEE_NIP, seedDemo } from './demo/seed.js';
import { capabilitiesOf } from './engine/capabilities.js';

export type Role = 'bot' | 'worker';

export interface ServiceOptions {
  config: Config;
  roles: ReadonlySet<Role>;
  clock?: Clock;
  /** Console chat: default on when no platform token is set and stdin is a terminal. */
  console?: boolean;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Back-off of a platform whose start failed transiently (tests shorten it). */
  platformRetry?: PlatformRetry;
}

/** Back-off of a platform's start: `firstMs`, doubling, at most `maxMs` between attempts. */
export interface PlatformRetry {
  firstMs: number;
  maxMs: number;
}
const PLATFORM_RETRY: PlatformRetry = { firstMs: 1000, maxMs: 60_000 };
/** How long start-up waits for the platforms' first attempts before going on without them. */
const FIRST_ATTEMPT_WAIT_MS = 5000;

/** A platform whose configuration cannot work is left out with one line saying why; the others start. */
function createPlatformAdapter(name: string, logger: Logger, create: () => PlatformAdapter): PlatformAdapter | undefined {
  try {
    return create();
  } catch (err) {
    logger.error({ platform: name }, `${name} not started: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** What a platform's start is doing, for `/readyz`. */
type PlatformState = { state: 'starting'; attempts: number; reason?: string } | { state: 'ready' } | { state: 'stopped'; variable: string; reason: string };

/**
 * Starts one platform's adapter until it succeeds: a transient failure (the platform unreachable) is logged
 * once per attempt and retried with capped back-off; a permanent one (the module's `startFailure`: a wrong
 * token) stops that platform with one line naming the variable. `/readyz` answers 503 naming the platform
 * while it is starting; a stopped one is named there too but does not make the process unready (the other
 * platforms and the workers run).
 */
function startPlatform(
  adapter: PlatformAdapter,
  deps: {
    logger: Logger;
    http?: HttpServer;
    retry?: PlatformRetry;
    /** Records the state for `kinerja status` (another process); a failure to record is only logged. */
    report?: (r: Omit<PlatformStartReport, 'updatedAt'>) => Promise<void>;
    /** Called once when a permanent failure stops the platform. */
    onStopped?: () => void;
  },
): { first: Promise<void>; cancel(): void } {
  const module = platformModule(adapter.platform);
  const retry = deps.retry ?? PLATFORM_RETRY;
  let state: PlatformState = { state: 'starting', attempts: 0 };
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  deps.http?.addReadinessCheck(`platform:${adapter.platform}`, async () => {
    if (state.state === 'ready') return;
    if (state.state === 'stopped') return `stopped: ${state.variable}: ${state.reason}`;
    throw new Error(`starting (attempt ${state.attempts}${state.reason ? `, last: ${state.reason}` : ''})`);
  });
  const report = async (r: Omit<PlatformStartReport, 'updatedAt' | 'platform'>) => {
    await deps.report?.({ platform: adapter.platform, ...r }).catch((err: unknown) => deps.logger.debug({ err, platform: adapter.platform }, 'could not record the platform state for kinerja status'));
  };
  const attempt = async (): Promise<void> => {
    if (cancelled) return;
    const attempts = state.state === 'starting' ? state.attempts + 1 : 1;
    state = { state: 'starting', attempts, ...(state.state === 'starting' && state.reason ? { reason: state.reason } : {}) };
    try {
      await adapter.start();
      if (cancelled) return;
      state = { state: 'ready' };
      if (attempts > 1) deps.logger.info({ platform: adapter.platform, attempts }, `${adapter.platform}: started after ${attempts} attempts`);
      await report({ state: 'ready', variable: null, reason: null });
    } catch (err) {
      if (cancelled) return;
      const permanent = module.startFailure?.(err);
      if (permanent) {
        state = { state: 'stopped', ...permanent };
        deps.logger.error({ platform: adapter.platform, variable: permanent.variable }, `${adapter.platform} stopped: ${permanent.reason}; check ${permanent.variable}`);
        await report({ state: 'stopped', variable: permanent.variable, reason: permanent.reason });
        deps.onStopped?.();
        return;
      }
      const reason = err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200);
      const waitMs = Math.min(retry.maxMs, retry.firstMs * 2 ** Math.min(20, attempts - 1));
      state = { state: 'starting', attempts, reason };
      deps.logger.warn({ platform: adapter.platform, attempt: attempts, retryInMs: waitMs, reason }, `${adapter.platform} could not start; retrying`);
      await report({ state: 'retrying', variable: null, reason: `attempt ${attempts}: ${reason}` });
      if (cancelled) return;
      timer = setTimeout(() => void attempt(), waitMs);
    }
  };
  return {
    first: attempt(),
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

export interface RunningService {
  http?: HttpServer;
  port?: number;
  orm: Orm;
  databaseUrl: string;
  stop(): Promise<void>;
  /** Resolves when the service has stopped (console closed or a signal). */
  stopped: Promise<void>;
  /**
   * Set when the service stopped because no role could run (a bot-only process whose every platform stopped
   * for a permanent reason): the process should exit non-zero with this line.
   */
  readonly failure?: string;
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const platformConfig: PlatformConfig = config;
  const configured = PLATFORM_MODULES.filter((m) => m.isConfigured(platformConfig));
  const terminalModules = PLATFORM_MODULES.filter((m) => m.terminal);
  const wantConsole = opts.roles.has('bot') && terminalModules.length > 0 && (opts.console ?? (configured.length === 0 && Boolean(process.stdin.isTTY)));
  const inlineNames = wantConsole ? terminalModules.map((m) => m.name) : [];
  // In the console the terminal is the chat: logs go to a file so they do not interleave with it.
  const logger = wantConsole ? fileLogger(config) : createLogger(config.LOG_LEVEL);
  // Before anything can append to the audit chain (src/db/audit.ts).
  useAuditKey(auditKey(config.AUDIT_KEY));
  if (!config.AUDIT_KEY) logger.warn('AUDIT_KEY is not set: the audit chain is signed with the public development key (fine for development and the demo; production refuses to start without it)');

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase({ dataDir: config.DATA_DIR });
    databaseUrl = embedded.url;
    logger.info({ dataDir: embedded.dataDir }, 'embedded PostgreSQL (PGlite) started');
  }
  const orm = await openOrm({ url: databaseUrl, poolMax: embedded ? 4 : 20, singleSession: Boolean(embedded), ...(embedded ? { stream: embedded.connect } : {}) });
  const em = (): EntityManager => orm.em.fork() as EntityManager;
  if (embedded) {
    const applied = await migrate(orm);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } else {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length) {
      await orm.close(true);
      throw new Error(`The database is missing ${pending.length} migration(s); run: kinerja db migrate`);
    }
  }
  const demo = isDemo(config);
  if (demo && opts.roles.has('bot')) {
    const seeded = await seedDemo(em(), { clock, config });
    if (seeded.seeded) logger.info({ employees: seeded.employees, cycleId: seeded.cycleId }, 'demo data loaded');
  }

  const queues: Queues = createQueues({ orm, config, databaseUrl });
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
    orm,
    config,
    clock,
    logger,
    // The console prints its own messages inline (instant in a terminal); every other platform's rows go
    // to the delivery queues.
    onCommitted: async (ids) => {
      await queues.enqueueOutbox(ids, inlineNames);
    },
  });
  // Entries a stopped process sealed but did not chain get their place now.
  engine.auditChainer.nudge();

  // Charts and export files for chat messages, drawn when a message is delivered (src/reports/chat-files.ts).
  // Loaded here, not at the top: ECharts, resvg and exceljs would slow every `kinerja` command's start-up.
  const { createChatFileSource } = await import('./reports/chat-files.js');
  const files = createChatFileSource(em, () => clock.now());
  const adapters: PlatformAdapter[] = [];
  const senders = new Map<string, PlatformSender>();
  let http: HttpServer | undefined;
  let port: number | undefined;
  let inbox: InboxConsumer | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  if (opts.roles.has('bot')) {
    const server = createHttpServer({ port: config.PORT, logger });
    http = server;
    http.addReadinessCheck('database', async () => {
      await txOf(em()).query('select 1');
    });
    mountQueueAdmin(http, queues, config); // also registers the `queues` readiness check
    const { hrPageRouter } = await import('./http/hr-page.js');
    http.mount(hrPageRouter({ em, now: () => clock.now(), adminUser: config.ADMIN_USER, adminPassword: config.ADMIN_PASSWORD }));
    const lookups = ingressLookups(orm);
    // Telegram long polling runs in one process of the deployment at a time; the others stand by.
    const exclusive = createExclusiveRoles({ databaseUrl, singleSession: Boolean(embedded), logger });
    // Platform updates are stored before they are acknowledged; the consumer hands them to the engine.
    const consumer = createInboxConsumer({ orm, engine, logger, databaseUrl, batchSize: config.ENGINE_BATCH_SIZE, batchWindowMs: config.ENGINE_BATCH_WINDOW_MS });
    inbox = consumer;
    const output = opts.output ?? process.stdout;
    /** A console line in the language of employee `nip`, its commands spelled as typed in the console. */
    const consoleLine = async (nip: string, key: string, vars: Record<string, string> = {}) => {
      const rows = await txOf(em()).query<{ locale: string | null }>('select locale from employee where nip = $1', [nip]);
      return spellCommands(translator(localeFromHint(rows[0]?.locale ?? undefined))(`console.${key}`, vars), '/');
    };
    const terminal: TerminalSession = {
      input: opts.input ?? process.stdin,
      output,
      startAs: DEMO_EMPLOYEE_NIP,
      demo,
      color: Boolean(output === process.stdout && process.stdout.isTTY),
      describe: async (nip) => {
        const rows = await txOf(em()).query<{ name: string; position: string }>('select name, position from employee where nip = $1', [nip]);
        return rows[0] ? `${rows[0].name} (${rows[0].position})` : null;
      },
      banner: demo ? await consoleLine(DEMO_EMPLOYEE_NIP, 'banner') : undefined,
      say: (nip, key, vars) => consoleLine(nip, key, vars),
      firstLine: demo ? '/penilaian' : undefined,
      deliverInline: true,
      onClose: () => void service.stop(),
    };
    const started = [...configured, ...(wantConsole ? terminalModules : [])];
    for (const module of started) {
      const adapter = createPlatformAdapter(module.name, logger, () =>
        module.createAdapter({
          config: platformConfig,
          engine,
          inbox: consumer,
          exclusive,
          lookups,
          http: server,
          logger,
          clock,
          ...(module.terminal
            ? {
                terminal,
                // The inline printing callback: the worker's delivery path, run right after the event commits.
                inline: {
                  chatsOf: (ids) => outboxChats(txOf(em()), module.name, ids),
                  pendingCount: (ids) => countPendingOutbox(txOf(em()), ids),
                  deliver: (id, sender) => deliverOutboxRow(em(), new Map([[module.name, sender]]), id, { files }),
                },
              }
            : {}),
        }),
      );
      if (adapter) adapters.push(adapter);
    }
    for (const a of adapters) senders.set(a.platform, a.sender);
    port = await http.start();
    logger.info({ port }, 'HTTP server listening');
  }

  let workers: RunningWorkers | undefined;
  if (opts.roles.has('worker')) {
    // A worker-only process has no adapters: build the senders from the same configuration.
    for (const module of configured) if (!senders.has(module.name)) senders.set(module.name, module.createSender({ config: platformConfig, logger }));
    workers = await startWorkers({ orm, config, senders, files, clock, logger, queues, databaseUrl });
  }
  await inbox?.start();
  // Each platform starts on its own: one that is down (or misconfigured) never holds up the others or the workers.
  let platformsStopped = 0;
  let failure: string | undefined;
  // Set once the service exists; a platform may stop for good before that (then the stop happens right after).
  const lifecycle: { stop?: () => void } = {};
  const starters = adapters.map((a) =>
    startPlatform(a, {
      logger,
      http,
      retry: opts.platformRetry,
      report: (r) => reportPlatformStart(txOf(em()), r, clock.now()),
      onStopped: () => {
        platformsStopped++;
        // The worker role runs whatever the platforms do; a bot-only process with no platform left has nothing to do.
        if (platformsStopped === adapters.length && !opts.roles.has('worker')) {
          failure = `no role can run: every platform stopped (${adapters.map((x) => x.platform).join(', ')}), and this process has no worker role`;
          logger.error(failure);
          lifecycle.stop?.();
        }
      },
    }),
  );
  // The first attempts run side by side; start-up waits for them a little (the console reads its first line
  // only once started), never for a platform that is down.
  await Promise.race([Promise.all(starters.map((s) => s.first)), new Promise((r) => setTimeout(r, FIRST_ATTEMPT_WAIT_MS).unref())]);

  let stopping: Promise<void> | undefined;
  const service: RunningService = {
    http,
    port,
    orm,
    databaseUrl,
    stopped,
    get failure() {
      return failure;
    },
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down');
        for (const s of starters) s.cancel();
        for (const a of adapters) await a.stop().catch((err) => logger.error({ err }, 'adapter stop failed'));
        await http?.stop();
        await inbox?.stop();
        await workers?.stop();
        // The entries of the last turns get their place now, not from the next process to start.
        await engine.auditChainer.drain().catch((err: unknown) => logger.warn({ err }, 'audit: could not chain the last sealed entries; the next start chains them'));
        await engine.auditChainer.stop();
        await queues.close().catch(() => undefined);
        await orm.close(true);
        await embedded?.stop();
        resolveStopped();
      })();
      return stopping;
    },
  };
  lifecycle.stop = () => void service.stop();
  if (failure) lifecycle.stop();
  return service;
}

function fileLogger(config: Config): Logger {
  mkdirSync(config.DATA_DIR, { recursive: true });
  const file = join(config.DATA_DIR, 'kinerja.log');
  return pino({ level: config.LOG_LEVEL }, pino.destination({ dest: file, sync: false, mkdir: true }));
}


