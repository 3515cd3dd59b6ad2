/**
 * Entry point of the `kinerja` command (bin/kinerja.js, `npm run kinerja -- ...`). Exit code 0 on success,
 * 1 on any error; mistakes the user can fix print their message only, never a stack trace.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { UserFacingError } from '../setup/problems.js';
import { buildProgram } from './program.js';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed help or its message.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 1;
    }
    if (err instanceof UserFacingError || err instanceof ConfigError || err instanceof DomainError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`internal error: ${e.message}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${e.stack ?? ''}\n`);
    else process.stderr.write('(run again with LOG_LEVEL=debug to see where it happened)\n');
    return 1;
  }
}

// `kinerja export ... | head` closes the pipe early: the reader has what it wanted, which is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`error: cannot write the output (${err.message})\n`);
  process.exit(1);
});

process.exitCode = await runCli(process.argv);
