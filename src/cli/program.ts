/**
 * The `kinerja` command tree. Commands are thin: they parse options, call src/setup, and print. Building the
 * program is separate from running it so the tree can be inspected without touching a database.
 */
import { Command } from 'commander';
import { configMarkdownTable } from '../config.js';
import { registerActingCommands } from './commands/acting.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerCycleCommands } from './commands/cycle.js';
import { registerDbCommands } from './commands/db.js';
import { registerExportCommands } from './commands/export.js';
import { registerImportCommands } from './commands/imports.js';
import { registerLinkCodeCommand } from './commands/link-code.js';
import { registerServiceCommands } from './commands/service.js';
import { registerRecognitionCommands } from './commands/recognition.js';
import { registerUnitCommands } from './commands/unit.js';
import { say } from './output.js';

/** Builds the command tree; `exitOverride` makes commander throw instead of exiting, so errors are ours to print. */
export function buildProgram(): Command {
  const program = new Command('kinerja')
    .description('kinerja-bot administration: import people, set up cycles, issue link codes')
    .showHelpAfterError('(run with --help for usage)')
    // A command's options belong to it, not to its subcommands (`unit rating --cycle` vs `unit rating import --cycle`).
    .enablePositionalOptions()
    .exitOverride();
  registerDbCommands(program);
  registerImportCommands(program);
  registerCycleCommands(program);
  registerActingCommands(program);
  registerUnitCommands(program);
  registerRecognitionCommands(program);
  registerLinkCodeCommand(program);
  registerExportCommands(program);
  registerAuditCommands(program);
  registerServiceCommands(program);
  program
    .command('config')
    .description('print the configuration variables (name, meaning, default, example) as a markdown table')
    .action(() => say(configMarkdownTable()));
  // Subcommands inherit the behaviour: every error surfaces as a thrown CommanderError.
  for (const cmd of allCommands(program)) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
