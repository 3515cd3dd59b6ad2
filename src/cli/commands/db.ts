/** `kinerja db migrate`: applies pending migrations. */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { migrate } from '../../db/orm.js';
import { withDatabase } from '../database.js';
import { say } from '../output.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending migrations to DATABASE_URL (or the embedded database under DATA_DIR)')
    .action(async () => {
      const cfg = loadConfig();
      await withDatabase(
        cfg,
        async ({ orm, embedded }) => {
          const applied = await migrate(orm);
          if (applied.length) say(`applied ${applied.length} migration(s): ${applied.join(', ')}`);
          else say(embedded ? 'the embedded database is up to date' : 'the database is up to date; nothing to apply');
        },
        { forMigrate: true },
      );
    });
}
