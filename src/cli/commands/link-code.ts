/** `kinerja link-code NIP|--unit CODE|--all`: issue single-use codes for linking chat accounts. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../config.js';
import { issueLinkCodes, linkCodesCsv, localExpiry, type LinkCodeAudience } from '../../setup/link-codes.js';
import { UserFacingError } from '../../setup/problems.js';
import { withDatabase } from '../database.js';
import { defaultActor, note, say, table } from '../output.js';

function ttlHours(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 24 * 60) throw new InvalidArgumentError(`"${value}" is not a whole number of hours between 1 and 1440`);
  return n;
}

interface LinkCodeOptions {
  unit?: string;
  all?: boolean;
  format: 'text' | 'csv';
  ttlHours?: number;
  botUsername?: string;
  actor?: string;
}

export function registerLinkCodeCommand(program: Command): void {
  program
    .command('link-code')
    .description('issue single-use codes employees send to the bot to link their chat account')
    .addHelpText(
      'after',
      `
Employees send /start CODE to the bot (or open the t.me link). Only a hash of each code is stored: the codes are
shown once, here. A new code for someone cancels their older unused one.
Examples:
  kinerja link-code 198503122010011002
  kinerja link-code --unit BKD --format csv --bot-username kinerja_dki_bot > codes.csv`,
    )
    .argument('[nip]', 'one employee')
    .option('--unit <code>', 'every active employee of a unit and its sub-units')
    .option('--all', 'every active employee')
    .addOption(new Option('--format <format>', 'text table, or CSV for a mail merge (nip,nama,email,code,expires_at[,telegram_link])').choices(['text', 'csv']).default('text'))
    .option('--ttl-hours <n>', 'hours the codes stay valid (default: LINK_CODE_TTL_HOURS)', ttlHours)
    .option('--bot-username <name>', 'the Telegram bot\'s @username: adds a t.me link column (default TELEGRAM_BOT_USERNAME; required in CSV when TELEGRAM_BOT_TOKEN is set)')
    .option('--actor <name>', 'who issues them, for the audit log')
    .action(async (nip: string | undefined, o: LinkCodeOptions) => {
      const chosen = [nip !== undefined, o.unit !== undefined, o.all === true].filter(Boolean).length;
      if (chosen !== 1) throw new UserFacingError('say whom the codes are for: a NIP, --unit CODE or --all (exactly one)');
      const audience: LinkCodeAudience = nip !== undefined ? { nip } : o.unit !== undefined ? { unitCode: o.unit } : { all: true };
      const cfg = loadConfig();
      o.botUsername ??= cfg.TELEGRAM_BOT_USERNAME;
      if (o.format === 'csv' && cfg.TELEGRAM_BOT_TOKEN && !o.botUsername) {
        throw new UserFacingError('TELEGRAM_BOT_TOKEN is set, so the CSV carries t.me links: set TELEGRAM_BOT_USERNAME or pass --bot-username with the bot\'s @username from BotFather');
      }
      await withDatabase(cfg, async (db) => {
        const codes = await issueLinkCodes(db.em(), audience, { ttlHours: o.ttlHours ?? cfg.LINK_CODE_TTL_HOURS, actor: o.actor ?? defaultActor() });
        if (o.format === 'csv') {
          process.stdout.write(linkCodesCsv(codes, { botUsername: o.botUsername }));
          note(`issued ${codes.length} link code(s); keep this output safe: the codes are not stored and cannot be shown again`);
          return;
        }
        say(table(['nip', 'nama', 'code', 'expires'], codes.map((c) => [c.nip, c.name, c.code, localExpiry(c)])));
        say(`issued ${codes.length} link code(s); each works once. Employees send /start CODE to the bot.`);
      });
    });
}
