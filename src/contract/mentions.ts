/**
 * A mention of another chat user in what someone typed. Adapters write it in text and command arguments as
 * `<@platform user id>` (Slack's own form; a platform with another syntax normalises to it), so the engine
 * can find the person linked to that user on the event's platform without knowing any platform's markup.
 */

const MENTION = /^<@([A-Za-z0-9_.-]{1,64})>$/;

/** The platform user id when `text` is one mention and nothing else (`<@U123>`), else null. */
export function mentionedUser(text: string): string | null {
  return MENTION.exec(text.trim())?.[1] ?? null;
}

/** The mention of platform user `userId`, as adapters write it. */
export function mentionOf(userId: string): string {
  return `<@${userId}>`;
}
