/**
 * A stored message as its reader's platform shows it, made in one place at delivery (src/jobs/deliver-row.ts;
 * the engine test harness reads messages the same way): commands spelled for the platform
 * (`{{cmd:penilaian}}` -> `/kinerja penilaian` on Slack), and the "reply to this message" line only where
 * replying to a message is possible.
 */
import { spellMessageCommands } from './commands.js';
import type { OutgoingMessage } from './contract.js';
import type { PlatformCapabilities } from './platform-module.js';

export function messageForPlatform(message: OutgoingMessage, capabilities: Pick<PlatformCapabilities, 'commandPrefix' | 'threads'>): OutgoingMessage {
  const spelled = spellMessageCommands(message, capabilities.commandPrefix);
  if (spelled.threadHint === undefined) return spelled;
  const { threadHint, ...rest } = spelled;
  return capabilities.threads ? { ...rest, text: `${rest.text}\n\n${threadHint}` } : rest;
}
