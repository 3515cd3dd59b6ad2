import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLASH_COMMAND } from '../../src/adapters/slack/ingress.js';
import { SLACK_EVENTS_PATH } from '../../src/adapters/slack/receiver.js';

const manifest = readFileSync(new URL('../../slack-manifest.yml', import.meta.url), 'utf8');

/** The items of a YAML list that follows `key:` (a plain `- item` list, as the manifest writes it). */
function listAfter(key: string): string[] {
  const lines = manifest.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${key}:`);
  expect(start, `${key} missing from slack-manifest.yml`).toBeGreaterThanOrEqual(0);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^\s*- (\S+)\s*$/.exec(line);
    if (!m) break;
    items.push(m[1]);
  }
  return items;
}

describe('slack-manifest.yml', () => {
  it('points events, interactivity and the slash command at the adapter\'s endpoint', () => {
    const urls = [...manifest.matchAll(/(?:request_url|url): (\S+)/g)].map((m) => m[1]);
    expect(urls).toHaveLength(3);
    for (const u of urls) expect(new URL(u).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest).toContain(`- command: ${SLASH_COMMAND}`);
    expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true/);
  });

  it('asks for exactly the scopes and events the adapter uses', () => {
    expect(listAfter('bot').sort()).toEqual(
      // files:write: /pantau's pictures and export files are uploaded (files.getUploadURLExternal).
      ['chat:write', 'commands', 'files:read', 'files:write', 'im:history', 'im:read', 'im:write', 'users:read', 'users:read.email'].sort(),
    );
    // Reviews stay in DMs: no channel history is read (the review-channel idea was never built).
    expect(listAfter('bot_events').sort()).toEqual(['message.im']);
  });
});
