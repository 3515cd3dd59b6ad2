/**
 * What a chat platform can do, as far as the conversation cares. Flows branch on these, never on a platform
 * name. Each platform states its capabilities in its module (src/platforms.ts lists them); the service hands
 * the engine a look-up over the registry, so the engine never imports an adapter.
 */
import type { PlatformCapabilities } from '../contract/index.js';

export type { PlatformCapabilities };

/** A platform the engine was told nothing about: typed questions only, no threads, no edits. */
export const PLAIN_CAPABILITIES: PlatformCapabilities = {
  modalForms: false,
  threads: false,
  commandPrefix: '/',
  editMessages: false,
  rateLimits: false,
  doubleClicks: false,
  redelivery: false,
  permanentFailures: false,
  transientFailures: false,
};

/** Looks a platform's capabilities up by its registry name. */
export type CapabilityLookup = (platform: string) => PlatformCapabilities;

/** A look-up over the given platform modules; unknown names get the plain capabilities. */
export function capabilitiesOf(modules: readonly { name: string; capabilities: PlatformCapabilities }[]): CapabilityLookup {
  const table = new Map(modules.map((m) => [m.name, m.capabilities]));
  return (platform) => table.get(platform) ?? PLAIN_CAPABILITIES;
}
