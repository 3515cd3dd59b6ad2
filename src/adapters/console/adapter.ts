/**
 * The console adapter: a terminal chat on the same contract as Telegram and Slack. Each line becomes an
 * IncomingEvent for the engine; the engine's console messages are delivered inline right after the event
 * commits (they are only prints, so there is no rate limit or retry to own). `/as NIP` switches the acting
 * person, only in demo mode.
 */
import { createInterface, type Interface } from 'node:readline';
import type { ConsoleLineKey, ConversationEngine, InlineDelivery, PlatformAdapter, TerminalSession } from '../../contract/index.js';
import { ConsoleSender } from './sender.js';
import { consoleChatId, parseConsoleLine } from './ingress.js';

/** What the console needs to know about the engine's outbox rows (the service builds it from the database). */
export type ConsoleOutbox = InlineDelivery;

/** The terminal session plus the engine and the inline delivery of the engine's console rows. */
export interface ConsoleAdapterOptions extends TerminalSession {
  engine: ConversationEngine;
  outbox: ConsoleOutbox;
  /** Where files sent to the terminal (charts, exports) are written: `<DATA_DIR>/files`. */
  fileDir?: string;
}

/** How long the prompt waits for the worker to print an event's messages before printing them itself. */
const WORKER_WAIT_MS = 4000;

export class ConsoleAdapter implements PlatformAdapter {
  readonly platform = 'console' as const;
  readonly sender: ConsoleSender;
  private acting: string;
  private rl?: Interface;
  private queue: Promise<void> = Promise.resolve();
  private readonly names = new Map<string, string>();
  /** The prompt is the last thing printed: the person is being waited for. */
  private atPrompt = false;

  constructor(private readonly opts: ConsoleAdapterOptions) {
    this.acting = opts.startAs;
    this.sender = new ConsoleSender(
      {
        // A message that arrives while the prompt waits for the person (the worker delivering someone else's
        // message, a scheduled reminder) starts on its own line and is followed by the prompt again, as a shell
        // prints background output: the terminal never ends on a message with no prompt after it.
        write: (t) => {
          const idle = this.atPrompt;
          this.opts.output.write(idle ? `\n${t}` : t);
          if (idle) this.prompt();
        },
      },
      () => consoleChatId(this.acting),
      (chatId) => this.names.get(chatId.replace(/^console:/, '')) ?? chatId,
      opts.color,
      opts.fileDir,
    );
  }

  async start(): Promise<void> {
    await this.remember(this.acting);
    if (this.opts.banner) this.opts.output.write(this.opts.banner + '\n');
    this.rl = createInterface({ input: this.opts.input, output: this.opts.output, terminal: false });
    this.rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.onLine(line)).catch((err) => {
        this.opts.output.write(`(error: ${err instanceof Error ? err.message : String(err)})\n`);
        // The person may type on: the prompt says so (without it the terminal looks stuck).
        this.prompt();
      });
    });
    this.rl.on('close', () => {
      void this.queue.then(() => this.opts.onClose?.());
    });
    if (this.opts.firstLine) this.rl.emit('line', this.opts.firstLine);
    this.prompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.queue;
  }

  /** Resolves when every line typed so far has been handled and its messages printed. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** A console line in the language of the person now at the keyboard (English without the service's texts). */
  private async line(key: ConsoleLineKey, vars: Record<string, string>, english: string): Promise<string> {
    return this.opts.say ? this.opts.say(this.acting, key, vars) : english;
  }

  private async remember(nip: string): Promise<string | null> {
    const d = await this.opts.describe(nip);
    if (d) this.names.set(nip, d);
    return d;
  }

  /** Waits until the event's console messages are printed (by the worker, or inline as a fallback). */
  private async awaitDelivery(outboxIds: number[]): Promise<void> {
    if (outboxIds.length === 0) return;
    const rows = await this.opts.outbox.chatsOf(outboxIds);
    for (const r of rows) await this.remember(r.chatId.replace(/^console:/, ''));
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return;
    const deadline = Date.now() + (this.opts.deliverInline ? 0 : WORKER_WAIT_MS);
    while (Date.now() < deadline) {
      const pending = await this.opts.outbox.pendingCount(ids);
      if (pending === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const id of ids) await this.opts.outbox.deliver(id, this.sender);
  }

  private prompt(): void {
    this.opts.output.write(`${this.names.get(this.acting) ?? this.acting}> `);
    this.atPrompt = true;
  }

  private async onLine(line: string): Promise<void> {
    this.atPrompt = false;
    const parsed = parseConsoleLine(
      line,
      this.acting,
      (n, explicit) => this.sender.choice(consoleChatId(this.acting), n, explicit),
      () => this.sender.latestThread(consoleChatId(this.acting)),
    );
    if (parsed.kind === 'quit') {
      this.rl?.close();
      return;
    }
    if (parsed.kind === 'switch') {
      if (!this.opts.demo) {
        this.opts.output.write(`${await this.line('as_demo_only', {}, '/as is only available in demo mode (DEMO_MODE=true).')}\n`);
      } else if (!parsed.nip) {
        this.opts.output.write(`${await this.line('as_usage', {}, 'Usage: /as NIP')}\n`);
      } else if (!(await this.remember(parsed.nip))) {
        this.opts.output.write(`${await this.line('as_unknown', { nip: parsed.nip }, `No employee with NIP ${parsed.nip}. Try one of the NIPs listed at start-up.`)}\n`);
      } else {
        this.acting = parsed.nip;
        const name = this.names.get(parsed.nip) ?? parsed.nip;
        this.opts.output.write(`${await this.line('acting_as', { name }, `Now acting as ${name}.`)}\n`);
      }
      this.prompt();
      return;
    }
    if (parsed.kind === 'event') {
      const result = await this.opts.engine.handle(parsed.event);
      await this.awaitDelivery(result.outboxIds);
    }
    this.prompt();
  }
}
