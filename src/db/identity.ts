/**
 * Chat identities: which platform account is which employee, and where the bot writes to them. An employee
 * may be linked on several platforms; the bot writes to the most recently linked one (ties: the newest row).
 */
import type { Tx } from './sql.js';

/**
 * `join lateral` fragment giving alias `ci` (platform, platform_user_id, chat_id): the current chat of the
 * employee whose id is `employeeId` (an SQL expression, e.g. `e.id`). The one definition of "an employee's
 * current chat", for set-based queries; `left` keeps employees who never linked (ci columns null).
 */
export function currentChatJoin(employeeId: string, kind: 'join' | 'left join' = 'left join'): string {
  return `${kind} lateral (select platform, platform_user_id, chat_id from chat_identity where employee_id = ${employeeId} order by linked_at desc, id desc limit 1) ci on true`;
}

/** Where the bot writes to an employee. */
export interface ChatAddress {
  platform: string;
  platformUserId: string;
  chatId: string;
}

/** The current chat of employee `employeeId`, or null when they never linked. */
export async function currentChatOf(tx: Tx, employeeId: number): Promise<ChatAddress | null> {
  const rows = await tx.query<{ platform: string; platform_user_id: string; chat_id: string }>(
    `select ci.platform, ci.platform_user_id, ci.chat_id from (select $1::int as id) e ${currentChatJoin('e.id', 'join')}`,
    [employeeId],
  );
  const r = rows[0];
  return r ? { platform: r.platform, platformUserId: r.platform_user_id, chatId: r.chat_id } : null;
}

/** The chat a platform account talks to the bot in, or null when that account is not linked. */
export async function chatOfAccount(tx: Tx, platform: string, platformUserId: string): Promise<string | null> {
  const rows = await tx.query<{ chat_id: string }>(`select chat_id from chat_identity where platform = $1 and platform_user_id = $2`, [platform, platformUserId]);
  return rows[0]?.chat_id ?? null;
}

/** Links a platform account to an employee; an account already linked stays as it is. */
export async function linkAccount(tx: Tx, a: { platform: string; platformUserId: string; chatId: string; employeeId: number; at: Date }): Promise<void> {
  await tx.exec(
    `insert into chat_identity (platform, platform_user_id, chat_id, employee_id, linked_at) values ($1, $2, $3, $4, $5)
     on conflict (platform, platform_user_id) do nothing`,
    [a.platform, a.platformUserId, a.chatId, a.employeeId, a.at],
  );
}
