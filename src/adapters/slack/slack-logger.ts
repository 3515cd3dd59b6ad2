/** Slack's SDKs (Bolt, WebClient) log through our pino logger instead of printing to the console. */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../logger.js';

/** Wraps a pino logger in the Logger interface @slack/bolt and @slack/web-api expect. */
export function slackSdkLogger(logger: Logger, component: string): SlackLogger {
  const child = logger.child({ component });
  let level: LogLevel = LogLevel.INFO;
  const join = (msg: unknown[]): string => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(join(msg)),
    info: (...msg) => child.info(join(msg)),
    warn: (...msg) => child.warn(join(msg)),
    error: (...msg) => child.error(join(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
