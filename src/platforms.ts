/**
 * The platform registry: every chat platform the product speaks, one line each. The service starts the
 * configured ones, the delivery workers get one queue per entry, `kinerja status` lists their queues, and the
 * conformance suite (test/conformance/platform.test.ts) runs against each. Adding a platform: one folder under
 * src/adapters/ exporting a `PlatformModule`, one line here, and the suite passing for it.
 */
import type { Platform, PlatformModule } from './contract/index.js';
import { consolePlatform } from './adapters/console/index.js';
import { slackPlatform } from './adapters/slack/index.js';
import { telegramPlatform } from './adapters/telegram/index.js';

/** Every platform, in the order they start. */
export const PLATFORM_MODULES: readonly PlatformModule[] = [telegramPlatform, slackPlatform, consolePlatform];

/** The module of a registry name; throws for a name no module has (a row from a removed platform). */
export function platformModule(name: Platform): PlatformModule {
  const found = PLATFORM_MODULES.find((m) => m.name === name);
  if (!found) throw new Error(`no platform module named ${name} in src/platforms.ts`);
  return found;
}
