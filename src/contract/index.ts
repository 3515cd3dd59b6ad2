/** The neutral platform contract: events in, messages out, senders, adapters and platform modules. */
export * from './contract.js';
export * from './platform-module.js';
export * from './shared-tokens.js';
export * from './text.js';
export * from './commands.js';
export * from './delivered.js';
export * from './mentions.js';
