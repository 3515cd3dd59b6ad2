/**
 * What a chat platform can do, as far as the conversation cares. Flows branch on these, never on a platform
 * name, so a new platform only states its capabilities. The table is here for now; it belongs with each
 * platform's module in the platform registry and moves there as a whole (keep it self-contained).
 */

/** Platform features a flow may use. */
export interface PlatformCapabilities {
  /** A form with several fields can be opened as a modal (Slack): offered beside the typed questions. */
  modalForms: boolean;
  /** Messages can be grouped in threads (an assessment's dialog kinerja lives in one). */
  threads: boolean;
  /** How people type a command on the platform (shown in hints). */
  commandPrefix: string;
}

const DEFAULT: PlatformCapabilities = { modalForms: false, threads: false, commandPrefix: '/' };

const TABLE: Readonly<Record<string, PlatformCapabilities>> = {
  telegram: { modalForms: false, threads: true, commandPrefix: '/' },
  slack: { modalForms: true, threads: true, commandPrefix: '/' },
  console: DEFAULT,
};

/** The capabilities of `platform`; an unknown platform gets the plain ones (typed questions only). */
export function platformCapabilities(platform: string): PlatformCapabilities {
  return TABLE[platform] ?? DEFAULT;
}
