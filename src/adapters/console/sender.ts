/**
 * The console "platform": delivering a message prints it. Messages to the person at the keyboard print as
 * they are; messages to someone else (the supervisor, HR, a unit channel) print under a header, so a demo
 * shows the whole journey in one terminal; a unit's channel posts print under `--- channel #CODE ---`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DeliveryLookups, DeliveryReceipt, Destination, OutgoingMessage, PlatformSender } from '../../contract/index.js';
import { consoleChannelOf } from './ingress.js';
import { renderForConsole } from './render.js';

export interface ConsoleSink {
  write(text: string): void;
}

export class ConsoleSender implements PlatformSender {
  readonly platform = 'console' as const;
  private seq = 0;
  /**
   * Buttons of the latest message per chat (none when it has none), so typing "2" presses the second button
   * only while the question on screen offers buttons; a question without them takes "2" as its answer.
   */
  private readonly choicesByChat = new Map<string, string[]>();
  /** Buttons of the latest message with buttons per chat: `#2` always presses the second of them. */
  private readonly shownByChat = new Map<string, string[]>();
  /** The thread of the latest threaded message per chat: `> text` answers in it (a terminal's reply-to). */
  private readonly threadByChat = new Map<string, string>();

  constructor(
    private readonly sink: ConsoleSink,
    /** The chat id of the person currently at the keyboard. */
    private readonly currentChat: () => string,
    private readonly describeChat: (chatId: string) => string = (c) => c,
    private readonly color = false,
    /** Where files messages carry are written (`<DATA_DIR>/files`). */
    private readonly fileDir = join('data', 'files'),
  ) {}

  async deliver(destination: Destination, message: OutgoingMessage, lookups?: DeliveryLookups): Promise<DeliveryReceipt> {
    if (message.file && lookups) message = await this.writeFile(message, lookups);
    // The terminal shows no buttons to take away.
    if (message.buttonsRemoved) {
      this.seq += 1;
      return { platformMessageRef: `console-${this.seq}` };
    }
    // A terminal cannot edit what it printed: for a replaced prompt show only what changed (its last line,
    // e.g. "✓ Lewati"), not the whole prompt again.
    const shown = message.replaceOutboxId !== undefined ? { text: message.text.split('\n').at(-1) ?? '' } : message;
    const rendered = renderForConsole(shown, { color: this.color });
    // An edit (an answered prompt losing its buttons) is not a new question.
    if (message.replaceOutboxId === undefined) this.choicesByChat.set(destination.chatId, rendered.choices);
    if (rendered.choices.length) this.shownByChat.set(destination.chatId, rendered.choices);
    if (message.threadKey && message.replaceOutboxId === undefined) this.threadByChat.set(destination.chatId, message.threadKey);
    const mine = destination.chatId === this.currentChat();
    const channel = consoleChannelOf(destination.chatId);
    // A unit channel's post (an award announcement) is not to anyone in particular: it shows as the channel.
    const header = mine ? '' : channel !== null ? `--- channel #${channel} ---\n` : `--- to ${this.describeChat(destination.chatId)} ---\n`;
    this.sink.write(`${header}${rendered.text}\n`);
    this.seq += 1;
    return { platformMessageRef: `console-${this.seq}` };
  }

  /**
   * A terminal cannot show a picture: the file is written under `fileDir` and the message printed with the
   * file's caption and its path (open it with an image viewer or a spreadsheet program).
   */
  private async writeFile(message: OutgoingMessage, lookups: DeliveryLookups): Promise<OutgoingMessage> {
    const content = await lookups.fileContent(message.file!);
    await mkdir(this.fileDir, { recursive: true });
    const path = join(this.fileDir, `${Date.now()}-${basename(content.fileName).replace(/[^\p{L}\p{N}._-]/gu, '_')}`);
    await writeFile(path, content.bytes);
    const text = [message.text, content.caption, `📎 ${path}`].filter((x): x is string => !!x && x.trim() !== '').join('\n');
    return { ...message, text, blocks: undefined, file: undefined };
  }

  /**
   * The token behind choice `n` (1-based) in `chatId`, if any: of the latest message, or with `explicit`
   * (`#n`) of the latest message that had buttons.
   */
  choice(chatId: string, n: number, explicit = false): string | undefined {
    return (explicit ? this.shownByChat : this.choicesByChat).get(chatId)?.[n - 1];
  }

  /** The thread of the latest threaded message printed for `chatId` (a feedback, a review), if any. */
  latestThread(chatId: string): string | undefined {
    return this.threadByChat.get(chatId);
  }
}
