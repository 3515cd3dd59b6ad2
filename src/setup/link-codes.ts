/**
 * Link codes: single-use, expiring codes HR hands to employees (by letter, e-mail merge or a t.me link) so
 * they can link their chat account to their NIP. Only the SHA-256 of a code is stored; the code itself
 * exists only in the output handed to HR.
 */
import { createHash, randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { validateNip } from '../domain/nip.js';
import { appendAudit } from '../db/audit.js';
import { safeCsvText } from '../domain/spreadsheet-safe.js';
import { UserFacingError } from './problems.js';
import { asJson, chunks, txOf } from '../db/sql.js';

/** Letters and digits nobody misreads on paper: no 0/O, 1/I/L. */
export const LINK_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 12 characters of a 31-letter alphabet: about 59 bits, far beyond guessing under the lock-out. */
export const LINK_CODE_LENGTH = 12;

/** Whom to issue codes for. */
export type LinkCodeAudience = { readonly nip: string } | { readonly unitCode: string } | { readonly all: true };

/** A code as handed to HR. `code` is shown once and never stored. */
export interface IssuedLinkCode {
  readonly nip: string;
  readonly name: string;
  readonly email: string | null;
  readonly code: string;
  readonly expiresAt: Date;
  /** The employee's IANA zone, for showing the expiry in their local time. */
  readonly timezone: string;
}

/** Codes could not be issued (unknown NIP or unit, nobody active); the message says what to do. */
export class LinkCodeError extends UserFacingError {}

/** A fresh random code. */
export function generateLinkCode(): string {
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
  return code;
}

/** What people type back: case, spaces and dashes do not matter. */
export function normaliseLinkCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

/** The stored form of a code (hex SHA-256 of the normalised code); the linking flow looks codes up by it. */
export function hashLinkCode(code: string): string {
  return createHash('sha256').update(normaliseLinkCode(code)).digest('hex');
}

/**
 * Issues one new code per active employee in the audience. A person's older unused codes stop working, so
 * only the latest letter is valid.
 * @throws LinkCodeError when the NIP or unit is unknown or nobody active is in the audience
 */
export async function issueLinkCodes(
  em: EntityManager,
  audience: LinkCodeAudience,
  opts: { ttlHours: number; actor: string; clock?: Clock },
): Promise<IssuedLinkCode[]> {
  const clock = opts.clock ?? systemClock;
  return em.transactional(async (tx) => {
    const people = await audienceOf(tx, audience);
    const now = clock.now();
    // Whole seconds: the expiry is printed on letters, where milliseconds are noise.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + opts.ttlHours * 3_600_000);
    const issued = people.map((p) => ({ ...p, code: generateLinkCode(), expiresAt }));
    for (const batch of chunks(issued, 2000)) {
      await txOf(tx).query(
        `update link_code set expires_at = $1 where used_at is null and expires_at > $2
            and employee_id in (select (jsonb_array_elements_text($3::jsonb))::int)`,
        [now, now, JSON.stringify(batch.map((p) => p.id))],
      );
      await txOf(tx).query(
        `insert into link_code (employee_id, code_hash, expires_at, created_at)
         select x.employee_id, x.code_hash, $1, $2 from jsonb_to_recordset($3::jsonb) as x(employee_id int, code_hash text)`,
        [expiresAt, now, asJson(batch.map((p) => ({ employee_id: p.id, code_hash: hashLinkCode(p.code) })))],
      );
    }
    const subject = 'nip' in audience ? audience.nip : 'unitCode' in audience ? `unit:${audience.unitCode}` : 'all';
    await appendAudit(txOf(tx), { actor: opts.actor, action: 'link_codes.issued', subject, data: { count: issued.length, expiresAt: expiresAt.toISOString() } }, clock.now());
    return issued.map(({ nip, name, email, code, timezone }) => ({ nip, name, email, code, expiresAt, timezone }));
  });
}

interface Person {
  id: number;
  nip: string;
  name: string;
  email: string | null;
  timezone: string;
}

async function audienceOf(em: EntityManager, audience: LinkCodeAudience): Promise<Person[]> {
  const columns = 'e.id, e.nip, e.name, e.email, e.timezone, e.active';
  if ('nip' in audience) {
    const v = validateNip(audience.nip);
    if (!v.ok) throw new LinkCodeError(`invalid NIP "${audience.nip}": ${v.message}`);
    const [p] = await txOf(em).query<Person & { active: boolean }>(`select ${columns} from employee e where e.nip = $1`, [v.nip]);
    if (!p) throw new LinkCodeError(`no employee with NIP ${v.nip}; import them first (kinerja import employees FILE)`);
    if (!p.active) throw new LinkCodeError(`${p.name} (${v.nip}) is inactive; re-import them to reactivate before issuing a code`);
    return [p];
  }
  if ('unitCode' in audience) {
    const [unit] = await txOf(em).query<{ id: number }>('select id from unit where code = $1', [audience.unitCode]);
    if (!unit) throw new LinkCodeError(`no unit with code ${audience.unitCode}; see the unit_kode column of your employee file`);
    // A unit means the whole OPD: its sub-units' people get codes too.
    const people = await txOf(em).query<Person>(
      `with recursive tree as (select id from unit where id = $1 union all select u.id from unit u join tree t on u.parent_id = t.id)
       select ${columns} from employee e where e.active and e.unit_id in (select id from tree) order by e.nip`,
      [unit.id],
    );
    if (people.length === 0) throw new LinkCodeError(`unit ${audience.unitCode} and its sub-units have no active employees`);
    return people;
  }
  const people = await txOf(em).query<Person>(`select ${columns} from employee e where e.active order by e.nip`);
  if (people.length === 0) throw new LinkCodeError('there are no active employees; import them first (kinerja import employees FILE)');
  return people;
}

/** `https://t.me/<bot>?start=CODE`: opening it starts the bot with the code filled in. */
export function telegramLink(botUsername: string, code: string): string {
  return `https://t.me/${botUsername.replace(/^@/, '')}?start=${encodeURIComponent(code)}`;
}

/** The expiry in the employee's own zone, e.g. `2027-01-08T09:00:00+07:00`. */
export function localExpiry(code: IssuedLinkCode): string {
  return DateTime.fromJSDate(code.expiresAt).setZone(code.timezone).toISO({ suppressMilliseconds: true }) ?? code.expiresAt.toISOString();
}

/**
 * CSV for a mail merge: nip,nama,email,code,expires_at and, given a bot username, telegram_link. Names come
 * from HR's files, so each field is neutralised against formula injection before it is quoted.
 */
export function linkCodesCsv(codes: readonly IssuedLinkCode[], opts: { botUsername?: string } = {}): string {
  const header = ['nip', 'nama', 'email', 'code', 'expires_at', ...(opts.botUsername ? ['telegram_link'] : [])];
  const lines = codes.map((c) =>
    [c.nip, c.name, c.email ?? '', c.code, localExpiry(c), ...(opts.botUsername ? [telegramLink(opts.botUsername, c.code)] : [])].map(safeCsvText).join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
