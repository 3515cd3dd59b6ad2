/**
 * A worker process for the several-workers test and the benchmark: the ordinary worker role (startWorkers)
 * with the fake platform's HTTP sender. Settings come from the environment:
 *   DATABASE_URL, REDIS_URL (unset: PostgreSQL backend), QUEUE_PREFIX, FAKE_PLATFORM_URL, WORKER_NAME,
 *   FIXED_NOW (ISO instant the reminder clock stands at; default: the real clock), DELIVERY_CONCURRENCY,
 *   LOCK_MS and STALLED_MS (short locks so a killed worker's jobs are recovered quickly), RATE_PER_SEC (unset: the
 *   platform module's limiter), WORKER_PLATFORM (the platform whose queue it serves; default telegram).
 * SIGTERM/SIGINT stop it gracefully: jobs in flight finish first.
 */
import { loadConfig } from '../src/config.js';
import { openOrm } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { ManualClock, systemClock } from '../src/clock.js';
import { createQueues, startWorkers } from '../src/jobs/worker-role.js';
import { HttpTestSender } from '../test/support/fake-platform.js';

const env = process.env;
const config = loadConfig(env);
const logger = createLogger(config.LOG_LEVEL);
const databaseUrl = config.DATABASE_URL;
if (!databaseUrl || !env.FAKE_PLATFORM_URL) {
  console.error('worker-child needs DATABASE_URL and FAKE_PLATFORM_URL');
  process.exit(2);
}
const orm = await openOrm({ url: databaseUrl, poolMax: 12 });
const clock = env.FIXED_NOW ? new ManualClock(new Date(env.FIXED_NOW)) : systemClock;
const queues = createQueues({ orm, config, databaseUrl, prefix: env.QUEUE_PREFIX, backoffMs: 50 });
const name = env.WORKER_NAME ?? String(process.pid);
const platform = env.WORKER_PLATFORM ?? 'telegram';
const running = await startWorkers({
  orm,
  config,
  queues,
  clock,
  logger,
  senders: new Map([[platform, new HttpTestSender(platform, env.FAKE_PLATFORM_URL, name)]]),
  deliveryConcurrency: Number(env.DELIVERY_CONCURRENCY ?? 10),
  lockDurationMs: env.LOCK_MS ? Number(env.LOCK_MS) : undefined,
  stalledIntervalMs: env.STALLED_MS ? Number(env.STALLED_MS) : undefined,
  ratePerSec: env.RATE_PER_SEC ? { [platform]: Number(env.RATE_PER_SEC) } : undefined,
  schedulers: env.SCHEDULERS !== 'false',
});
process.send?.({ ready: true, pid: process.pid });
console.log(`worker ${name} ready`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping workers gracefully');
  await running.stop();
  await queues.close();
  await orm.close(true);
  // The benchmark reads this line to report each worker's peak memory and CPU seconds.
  const usage = process.resourceUsage();
  console.log(`maxrss ${Math.round(usage.maxRSS / 1024)} cpu ${((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(2)}`);
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
