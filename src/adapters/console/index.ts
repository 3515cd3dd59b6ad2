/** The console platform: a terminal chat on the same contract as Telegram and Slack (the embedded demo). */
import { join } from 'node:path';
import type { PlatformModule } from '../../contract/index.js';
import { ConsoleAdapter } from './adapter.js';
import { ConsoleSender } from './sender.js';

export { ConsoleAdapter, type ConsoleAdapterOptions, type ConsoleOutbox } from './adapter.js';
export { ConsoleSender, type ConsoleSink } from './sender.js';
export { consoleChatId, parseConsoleLine, type ConsoleLine } from './ingress.js';
export { renderForConsole } from './render.js';

/** `<DATA_DIR>/files`, where the console writes the files messages carry. */
function fileDirOf(config: Readonly<Record<string, unknown>>): string {
  return join(typeof config.DATA_DIR === 'string' ? config.DATA_DIR : './data', 'files');
}

/** The console as the registry sees it. */
export const consolePlatform: PlatformModule = {
  name: 'console',
  // DATA_DIR: files a message carries (charts, exports) are written under it and their path printed.
  configKeys: ['DATA_DIR'],
  capabilities: {
    modalForms: false,
    // A terminal has no reply-to: a thread message is typed after its prompt.
    threads: false,
    commandPrefix: '/',
    // Printed text cannot be edited: an edit prints what changed.
    editMessages: false,
    // Printing never hits a rate limit, is never refused, and has no network to fail.
    redelivery: false,
    rateLimits: false,
    // A choice is typed (`#1`): typing it again is a second, deliberate line, answered like any other.
    doubleClicks: false,
    permanentFailures: false,
    transientFailures: false,
  },
  deliveryQueue: 'deliver-console',
  terminal: true,
  isConfigured: () => false,
  // A terminal has no pace to keep.
  chatIntervalMs: 0,
  rateLimit: () => undefined,
  createAdapter: (ctx) => {
    if (!ctx.terminal || !ctx.inline) throw new Error('The console platform needs a terminal session and inline delivery.');
    return new ConsoleAdapter({ ...ctx.terminal, engine: ctx.engine, outbox: ctx.inline, fileDir: fileDirOf(ctx.config) });
  },
  // A worker-only process prints to its own standard output.
  createSender: (ctx) => new ConsoleSender({ write: (t) => process.stdout.write(t) }, () => '', undefined, false, fileDirOf(ctx.config)),
};
