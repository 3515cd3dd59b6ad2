/** Button tokens: short, opaque, random; the state of the person who may press one says what it means. */
import { randomBytes } from 'node:crypto';

export { CHECKIN_RATING_TOKEN_PREFIX, CONTINUE_ASSESSMENT_TOKEN, OPEN_CALIBRATION_TOKEN, OPEN_REVIEWS_TOKEN } from '../contract/index.js';

/** Longest token the engine issues; keeps Telegram callback_data (64 bytes) far from its limit. */
export const TOKEN_MAX_LENGTH = 24;

/**
 * A button token names the employee it was issued to: `<employee id in base 36>.<random>`. The random part
 * is what makes it unguessable; the owner part only decides the wording when the token is no longer in the
 * presser's state: their own old token -> "no longer valid", however old, anyone else's or a forged one ->
 * "not for you". This keeps the conversation state small (no ever-growing list of retired tokens) and needs
 * no look-up in other people's conversations. It is not an authorisation: the state decides what a token does.
 */
export function ownedToken(ownerId: number | null, random: string): string {
  return ownerId === null ? random : `${ownerId.toString(36)}.${random}`;
}

/** True when `token` was issued to employee `ownerId` (by its owner prefix). */
export function issuedTo(token: string, ownerId: number): boolean {
  return token.startsWith(`${ownerId.toString(36)}.`);
}

/** 12 random bytes, base64url: 16 characters, 96 bits, not guessable. */
export function randomToken(): string {
  return randomBytes(12).toString('base64url');
}

/** An 8-character id a user can quote to support when something went wrong. */
export function randomErrorId(): string {
  return randomBytes(4).toString('hex');
}
