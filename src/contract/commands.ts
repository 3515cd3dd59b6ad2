/**
 * Commands named in messages. The catalogue and the engine write a command as a token, `{{cmd:penilaian}}`,
 * and delivery spells it for the platform the message lands on (its `commandPrefix`): `/penilaian` on
 * Telegram and the console, `/kinerja penilaian` on Slack, where every message starting with "/" is a slash
 * command and only `/kinerja` is registered. A message to someone else is spelled for their platform, not
 * the sender's.
 */
import type { OutgoingMessage } from './contract.js';

const COMMAND_TOKEN = /\{\{cmd:([a-z_]+)\}\}/g;

/** The token of command `name` (no prefix), e.g. `commandToken('status')` is `{{cmd:status}}`. */
export function commandToken(name: string): string {
  return `{{cmd:${name}}}`;
}

/** `text` with every command token spelled with `commandPrefix` ('/' or '/kinerja '). */
export function spellCommands(text: string, commandPrefix: string): string {
  return text.includes('{{cmd:') ? text.replace(COMMAND_TOKEN, (_m, name: string) => `${commandPrefix}${name}`) : text;
}

/** `message` with the commands in its text, paragraphs, buttons and form spelled with `commandPrefix`. */
export function spellMessageCommands(message: OutgoingMessage, commandPrefix: string): OutgoingMessage {
  if (!JSON.stringify(message).includes('{{cmd:')) return message;
  const s = (t: string): string => spellCommands(t, commandPrefix);
  return {
    ...message,
    text: s(message.text),
    ...(message.blocks ? { blocks: message.blocks.map((p) => p.map((span) => ({ ...span, text: s(span.text) }))) } : {}),
    ...(message.buttons ? { buttons: message.buttons.map((row) => row.map((b) => ({ ...b, label: s(b.label) }))) } : {}),
    ...(message.form
      ? {
          form: {
            ...message.form,
            title: s(message.form.title),
            fields: message.form.fields.map((f) => ({ ...f, label: s(f.label), ...(f.hint !== undefined ? { hint: s(f.hint) } : {}) })),
          },
        }
      : {}),
  };
}
