/**
 * One typed configuration, parsed from the environment with zod. Every variable has a description and an
 * example so a bad value stops start-up with a message that says which variable, what is wrong with it,
 * and what a good value looks like. README's configuration table is generated from the same list
 * (`kinerja config --markdown`), so the two cannot drift apart.
 */
import { z } from 'zod';

interface VarSpec<T extends z.ZodType> {
  schema: T;
  description: string;
  example: string;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM');

function v<T extends z.ZodType>(schema: T, description: string, example: string): VarSpec<T> {
  return { schema, description, example };
}

/** The variables, in the order README lists them. */
export const CONFIG_VARS = {
  DATABASE_URL: v(url(['postgres:', 'postgresql:']).optional(), 'PostgreSQL connection string. Unset: embedded PostgreSQL (PGlite) with data under DATA_DIR.', 'postgres://kinerja:secret@127.0.0.1:5432/kinerja'),
  REDIS_URL: v(url(['redis:', 'rediss:']).optional(), 'Redis for BullMQ queues. Unset: BullMQ runs on its PostgreSQL backend in the same database.', 'redis://127.0.0.1:6379'),
  PORT: v(int(0, 65535).default(3000), 'The one HTTP server: health, platform webhooks, admin pages.', '3000'),
  LOG_LEVEL: v(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'), 'Log level (pino). Message bodies and tokens are never logged at info.', 'info'),
  DATA_DIR: v(z.string().min(1).default('./data'), 'Where the embedded database and local files live.', './data'),
  DEMO_MODE: v(bool.optional(), 'Load demo data and allow /as NIP in the console. Default: on when neither DATABASE_URL nor a platform token is set.', 'true'),
  DEFAULT_TIMEZONE: v(z.string().default('WIB'), 'Time zone for people without one: WIB, WITA, WIT or an IANA name.', 'WIB'),
  WORKING_HOURS: v(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM-HH:MM').default('08:00-16:00'), 'Local working hours; reminders are only sent inside them.', '08:00-16:00'),
  REMINDER_SEND_AT: v(hhmm.default('09:00'), 'Local time of day reminders are planned for.', '09:00'),
  HOLIDAY_COUNTRY: v(z.string().length(2, 'must be a 2-letter country code').default('ID'), 'Country for the default national holidays (date-holidays).', 'ID'),
  REALISASI_MAX_MULTIPLE: v(z.coerce.number({ message: 'must be a number' }).positive('must be above 0').default(5), 'A realisasi above target x this is refused as a likely typo.', '5'),
  EVIDENCE_MAX_MB: v(int(1, 2000).default(20), 'Largest evidence file accepted, in megabytes.', '20'),
  IMPORT_MAX_MB: v(int(1, 2000).default(20), 'Largest HR import file (CSV or XLSX) accepted, in megabytes; checked before reading.', '20'),
  IMPORT_MAX_ROWS: v(int(1, 10_000_000).default(200_000), 'Most data rows an HR import file may have; reading stops at the first row past it.', '200000'),
  DRAFT_IDLE_MINUTES: v(int(1, 100000).default(60), 'After this long without a message the conversation pauses; the draft is kept.', '60'),
  OBJECTION_WINDOW_DAYS: v(int(1, 365).default(14), 'Days after a cycle\'s results are announced during which an employee may object (/keberatan); a cycle\'s objectionWindowDays setting wins.', '14'),
  OBJECTION_DECISION_DAYS: v(int(1, 365).default(14), 'Days the rater\'s superior has to decide an objection; reminders before, HR is told after.', '14'),
  FEEDBACK_REQUEST_DAYS: v(int(1, 60).default(5), 'Working days a request for feedback (/mintaumpanbalik) may stay unanswered before the rater gets one reminder (inside working hours, in their one message of the day).', '5'),
  FEEDBACK_NUDGE_DAYS: v(int(1, 365).default(30), 'Days a supervisor may go without giving feedback to one of their people in an open period before one nudge lists those people (never in the last 3 working days before a deadline; at most one per this many days).', '30'),
  RECOGNITION_PER_DAY: v(int(1, 100).default(3), 'Recognitions (/apresiasi) one person may send a day (their own calendar day), against abuse.', '3'),
  LINK_CODE_TTL_HOURS: v(int(1, 24 * 60).default(72), 'How long a link code stays valid.', '72'),
  TELEGRAM_BOT_TOKEN: v(z.string().regex(/^\d+:[\w-]{20,}$/, 'must look like 123456:ABC-DEF... from BotFather').optional(), 'Telegram bot token from BotFather. Unset: no Telegram.', '123456789:AAEexampleexampleexampleexample'),
  TELEGRAM_BOT_USERNAME: v(z.string().regex(/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/, 'must be a Telegram bot username like kinerja_dki_bot').transform((s) => s.replace(/^@/, '')).optional(), 'The bot\'s @username, for the t.me deep links in `kinerja link-code --format csv`.', 'kinerja_dki_bot'),
  TELEGRAM_API_ROOT: v(url(['http:', 'https:']).default('https://api.telegram.org'), 'Bot API root; a local emulator in tests, or a self-hosted Bot API server.', 'https://api.telegram.org'),
  TELEGRAM_MODE: v(z.enum(['polling', 'webhook'], { message: 'must be polling or webhook' }).default('polling'), 'How updates arrive: long polling or webhook.', 'polling'),
  TELEGRAM_WEBHOOK_URL: v(url(['https:', 'http:']).optional(), 'Public URL Telegram posts updates to (webhook mode), ending in /telegram/webhook.', 'https://kinerja.example.go.id/telegram/webhook'),
  TELEGRAM_WEBHOOK_SECRET: v(z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16-256 characters of A-Z, a-z, 0-9, _ or -').optional(), 'Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (webhook mode).', 'f3a9c0d2e5b84f7aa1c2'),
  TELEGRAM_RATE_PER_SEC: v(int(1, 1000).default(25), 'Delivery limiter for Telegram, messages per second.', '25'),
  SLACK_BOT_TOKEN: v(z.string().startsWith('xoxb-', 'must start with xoxb-').optional(), 'Slack bot token. Unset: no Slack.', 'xoxb-1234-5678-abcdef'),
  SLACK_SIGNING_SECRET: v(z.string().min(8, 'must be at least 8 characters').optional(), 'Slack signing secret (HTTP mode) to verify requests.', '8f742231b10e8888abcd99yyyzzz85a5'),
  SLACK_APP_TOKEN: v(z.string().startsWith('xapp-', 'must start with xapp-').optional(), 'Slack app-level token (Socket Mode).', 'xapp-1-A111-222-abcdef'),
  SLACK_MODE: v(z.enum(['http', 'socket'], { message: 'must be http or socket' }).default('http'), 'How Slack events arrive: HTTP (POST /slack/events) or Socket Mode.', 'http'),
  SLACK_RATE_PER_SEC: v(int(1, 1000).default(50), 'Delivery limiter for Slack, messages per second across all workers (generous: Slack\'s own 429 answers pause the queue for their Retry-After).', '50'),
  SLACK_API_URL: v(url(['http:', 'https:']).default('https://slack.com/api/'), 'Slack Web API root; a local fake in tests.', 'https://slack.com/api/'),
  PUBLIC_URL: v(url(['https:', 'http:']).optional(), 'Public address of this server, for the one-time HR web page links `/masuk` sends. Unset: /masuk says the page is off.', 'https://kinerja.example.go.id'),
  ADMIN_USER: v(z.string().min(1).optional(), 'Basic-auth user for the admin pages (the HR page at /admin, bull-board at /admin/queues). Unset: bull-board off, the HR page only by /masuk links.', 'admin'),
  ADMIN_PASSWORD: v(z.string().min(8, 'must be at least 8 characters').optional(), 'Basic-auth password for the admin pages.', 'a-long-secret'),
  DELIVERY_GIVE_UP_HOURS: v(int(1, 24 * 14).default(24), 'A message that keeps failing transiently (network, 5xx, 429) is retried with capped exponential back-off for this long before it is marked dead.', '24'),
  INBOX_KEEP_DAYS: v(int(2, 365).default(7), 'Days a handled platform update is kept in the inbox before the hourly purge deletes it; parked ones stay.', '7'),
  EVENT_DEDUPE_DAYS: v(int(1, 365).default(7), 'Days a handled event id is remembered: a platform re-sending that update within this time changes nothing (platforms retry within minutes to a day). Older ids are pruned by the hourly purge.', '7'),
  ENGINE_BATCH_SIZE: v(int(1, 256).default(32), 'Group commit: up to this many events of different chats are read in one statement and written in one transaction (PostgreSQL only; the embedded PGlite handles events one by one). 1 turns batching off.', '32'),
  ENGINE_BATCH_WINDOW_MS: v(int(0, 100).default(1), 'How long the inbox consumer waits for more events before handling a batch that is not full (milliseconds).', '1'),
  DELIVERY_MAX_ATTEMPTS: v(int(1, 10_000).default(1000), 'Safety cap on delivery attempts of one message; DELIVERY_GIVE_UP_HOURS normally ends retrying first.', '1000'),
  CLOSE_GRACE_HOURS: v(int(0, 24 * 30).default(24), 'Hours after the review deadline before a cycle closes automatically.', '24'),
  AUTO_ANNOUNCE: v(bool.default(false), 'Announce results automatically when a cycle closes.', 'false'),
  AUDIT_KEY: v(z.string().min(32, 'must be at least 32 characters (e.g. the output of: openssl rand -hex 32)').optional(), 'Secret key that signs the audit chain and its checkpoints (HMAC); never stored in the database. Unset: a public development key with a warning; required when NODE_ENV=production. Changing it makes the entries signed before unverifiable.', '3f9c1e0b7a4d2c8e5f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e'),
} as const;

type Vars = typeof CONFIG_VARS;
export type Config = { [K in keyof Vars]: z.output<Vars[K]['schema']> };

/** Thrown when the environment holds a value that cannot be used; the message lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; value: string | undefined; problem: string; example: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}=${JSON.stringify(p.value ?? '')}: ${p.problem}. Example: ${p.variable}=${p.example}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parse the environment (empty strings count as unset). Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: ConstructorParameters<typeof ConfigError>[0] = [];
  for (const [name, spec] of Object.entries(CONFIG_VARS) as [keyof Vars, VarSpec<z.ZodType>][]) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[name] = parsed.data;
    else problems.push({ variable: name, value: secretSafe(name, raw), problem: parsed.error.issues.map((i) => i.message).join('; '), example: spec.example });
  }
  const cfg = out as Config;
  if (cfg.TELEGRAM_BOT_TOKEN && cfg.TELEGRAM_MODE === 'webhook') {
    if (!cfg.TELEGRAM_WEBHOOK_SECRET) problems.push({ variable: 'TELEGRAM_WEBHOOK_SECRET', value: undefined, problem: 'is required when TELEGRAM_MODE=webhook', example: CONFIG_VARS.TELEGRAM_WEBHOOK_SECRET.example });
  }
  if (cfg.SLACK_BOT_TOKEN) {
    if (cfg.SLACK_MODE === 'http' && !cfg.SLACK_SIGNING_SECRET) problems.push({ variable: 'SLACK_SIGNING_SECRET', value: undefined, problem: 'is required when SLACK_MODE=http', example: CONFIG_VARS.SLACK_SIGNING_SECRET.example });
    if (cfg.SLACK_MODE === 'socket' && !cfg.SLACK_APP_TOKEN) problems.push({ variable: 'SLACK_APP_TOKEN', value: undefined, problem: 'is required when SLACK_MODE=socket', example: CONFIG_VARS.SLACK_APP_TOKEN.example });
  }
  // The audit chain is only evidence when its key is secret: production never signs with the public development key.
  if (env.NODE_ENV === 'production' && !cfg.AUDIT_KEY && !problems.some((p) => p.variable === 'AUDIT_KEY')) {
    problems.push({ variable: 'AUDIT_KEY', value: undefined, problem: 'is required when NODE_ENV=production (it signs the audit chain)', example: CONFIG_VARS.AUDIT_KEY.example });
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** Never echo a secret back into logs or terminals. */
function secretSafe(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /TOKEN|SECRET|PASSWORD|KEY/.test(name) ? '(hidden)' : value;
}

/** True when this configuration runs the product on its embedded defaults (no external services). */
export function isEmbedded(cfg: Config): boolean {
  return !cfg.DATABASE_URL;
}

/** Demo mode: explicit setting, else on when nothing external is configured. */
export function isDemo(cfg: Config): boolean {
  if (cfg.DEMO_MODE !== undefined) return cfg.DEMO_MODE;
  return !cfg.DATABASE_URL && !cfg.TELEGRAM_BOT_TOKEN && !cfg.SLACK_BOT_TOKEN;
}

/** The configuration table README shows, generated from CONFIG_VARS. */
export function configMarkdownTable(): string {
  const rows = Object.entries(CONFIG_VARS).map(([name, spec]) => {
    const def = spec.schema.safeParse(undefined);
    const dflt = def.success && def.data !== undefined ? `\`${String(def.data)}\`` : '';
    return `| \`${name}\` | ${spec.description} | ${dflt} | \`${spec.example}\` |`;
  });
  return ['| Variable | Meaning | Default | Example |', '|---|---|---|---|', ...rows].join('\n');
}
