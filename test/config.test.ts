import { describe, expect, it } from 'vitest';
import { ConfigError, configMarkdownTable, isDemo, isEmbedded, loadConfig, CONFIG_VARS } from '../src/config.js';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('starts on the embedded defaults with an empty environment', () => {
    const cfg = loadConfig({});
    expect(cfg.PORT).toBe(3000);
    expect(cfg.DATA_DIR).toBe('./data');
    expect(cfg.LOG_LEVEL).toBe('info');
    expect(cfg.TELEGRAM_MODE).toBe('polling');
    expect(cfg.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(isEmbedded(cfg)).toBe(true);
    expect(isDemo(cfg)).toBe(true);
  });

  it('treats an empty string as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });

  it.each([
    ['PORT', 'abc', 'must be a number', 'PORT=3000'],
    ['PORT', '70000', 'must be at most 65535', 'PORT=3000'],
    ['DATABASE_URL', 'mysql://x', 'must be a URL starting with postgres:// or postgresql://', 'DATABASE_URL=postgres://'],
    ['REDIS_URL', 'localhost:6379', 'must be a URL starting with redis://', 'REDIS_URL=redis://127.0.0.1:6379'],
    ['LOG_LEVEL', 'loud', 'must be one of', 'LOG_LEVEL=info'],
    ['TELEGRAM_MODE', 'push', 'must be polling or webhook', 'TELEGRAM_MODE=polling'],
    ['WORKING_HOURS', '8-16', 'must be HH:MM-HH:MM', 'WORKING_HOURS=08:00-16:00'],
    ['AUTO_ANNOUNCE', 'maybe', 'must be true or false', 'AUTO_ANNOUNCE=false'],
  ])('%s=%s stops start-up naming the variable, the problem and an example', (name, value, problem, example) => {
    const msg = problemsOf({ [name]: value });
    expect(msg).toContain(`${name}=${JSON.stringify(value)}`);
    expect(msg).toContain(problem);
    expect(msg).toContain(`Example: ${example}`);
  });

  it('lists every bad variable at once', () => {
    const msg = problemsOf({ PORT: 'x', LOG_LEVEL: 'y' });
    expect(msg).toContain('PORT=');
    expect(msg).toContain('LOG_LEVEL=');
  });

  it('never echoes a secret value', () => {
    const msg = problemsOf({ TELEGRAM_BOT_TOKEN: 'not-a-token-supersecret' });
    expect(msg).not.toContain('supersecret');
    expect(msg).toContain('TELEGRAM_BOT_TOKEN="(hidden)"');
  });

  it('requires the webhook secret in Telegram webhook mode and the signing secret for Slack HTTP', () => {
    expect(problemsOf({ TELEGRAM_BOT_TOKEN: '123456:AAEexampleexampleexampleexample', TELEGRAM_MODE: 'webhook' })).toContain('TELEGRAM_WEBHOOK_SECRET');
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1-2-3' })).toContain('SLACK_SIGNING_SECRET');
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_MODE: 'socket' })).toContain('SLACK_APP_TOKEN');
  });

  it('AUDIT_KEY: optional in development, required in production, too short refused without echoing it', () => {
    expect(loadConfig({}).AUDIT_KEY).toBeUndefined();
    const msg = problemsOf({ NODE_ENV: 'production' });
    expect(msg).toContain('AUDIT_KEY');
    expect(msg).toContain('is required when NODE_ENV=production');
    expect(loadConfig({ NODE_ENV: 'production', AUDIT_KEY: 'k'.repeat(32) }).AUDIT_KEY).toBe('k'.repeat(32));
    const short = problemsOf({ AUDIT_KEY: 'pendek-rahasia' });
    expect(short).toContain('AUDIT_KEY="(hidden)"');
    expect(short).not.toContain('pendek-rahasia');
  });

  it('every documented example is itself a valid value', () => {
    const env = Object.fromEntries(Object.entries(CONFIG_VARS).map(([k, s]) => [k, s.example]));
    env.TELEGRAM_MODE = 'polling';
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('renders the README table with every variable', () => {
    const table = configMarkdownTable();
    for (const name of Object.keys(CONFIG_VARS)) expect(table).toContain(`\`${name}\``);
  });
});
