/** One pino logger. Tokens and message bodies are never logged at info; redact guards the obvious keys. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    redact: { paths: ['token', '*.token', 'headers.authorization', '*.password', 'text', '*.text', 'payload.text'], censor: '[redacted]' },
  });
}
