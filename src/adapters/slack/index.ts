/** The Slack adapter (Bolt): ingress over HTTP or Socket Mode, Block Kit rendering, and the delivery sender. */
import type { PlatformConfig, PlatformModule } from '../../contract/index.js';
import { createSlackAdapter, type SlackConfig } from './adapter.js';
import { createDeliveryClient, SlackSender } from './sender.js';

export { createSlackAdapter, type SlackAdapter, type SlackAdapterDeps, type SlackConfig } from './adapter.js';
export { SlackSender, createDeliveryClient } from './sender.js';
export { SLACK_EVENTS_PATH } from './receiver.js';

/** The validated configuration seen through this platform's keys. */
function slackConfig(config: PlatformConfig): SlackConfig {
  return config as unknown as SlackConfig;
}

/** Slack as the registry sees it. */
export const slackPlatform: PlatformModule = {
  name: 'slack',
  configKeys: ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_MODE', 'SLACK_API_URL', 'SLACK_RATE_PER_SEC'],
  capabilities: {
    modalForms: true,
    threads: true,
    // One slash command for the app (`/kinerja penilaian`): Slack apps do not get a command per verb.
    commandPrefix: '/kinerja ',
    editMessages: true,
    redelivery: true,
    rateLimits: true,
    permanentFailures: true,
    transientFailures: true,
    doubleClicks: true,
  },
  deliveryQueue: 'deliver-slack',
  isConfigured: (config) => Boolean(slackConfig(config).SLACK_BOT_TOKEN),
  // Slack: about one message per second per channel (chat.postMessage rate limits).
  chatIntervalMs: 1000,
  // Slack's limits differ per method and workspace, so the limiter is generous and its 429 answers pause the
  // queue; BullMQ enforces that pause (`worker.rateLimit`) only for a worker that has a limiter.
  rateLimit: (config) => ({ max: (config as { SLACK_RATE_PER_SEC?: number }).SLACK_RATE_PER_SEC ?? 50, durationMs: 1000 }),
  startFailure: (err) => {
    // auth.test's answer, possibly wrapped by Bolt (`original`) or as a cause.
    const permanent = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'team_disabled', 'no_permission']);
    for (let e: unknown = err, i = 0; e && i < 5; i++) {
      const code = (e as { data?: { error?: unknown } }).data?.error;
      if (typeof code === 'string' && permanent.has(code)) return { variable: 'SLACK_BOT_TOKEN', reason: `Slack answered ${code}` };
      e = (e as { original?: unknown; cause?: unknown }).original ?? (e as { cause?: unknown }).cause;
    }
    const text = err instanceof Error ? err.message : String(err);
    const named = /\b(invalid_auth|not_authed|account_inactive|token_revoked|token_expired)\b/.exec(text);
    return named ? { variable: 'SLACK_BOT_TOKEN', reason: `Slack answered ${named[1]}` } : undefined;
  },
  createAdapter: (ctx) => createSlackAdapter({ config: slackConfig(ctx.config), inbox: ctx.inbox, http: ctx.http, lookups: ctx.lookups, logger: ctx.logger, clock: ctx.clock }),
  createSender: (ctx) => {
    const config = slackConfig(ctx.config);
    if (!config.SLACK_BOT_TOKEN) throw new Error('The Slack sender needs SLACK_BOT_TOKEN.');
    return new SlackSender({ client: createDeliveryClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }), logger: ctx.logger });
  },
};
