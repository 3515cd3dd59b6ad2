/**
 * Telegram Bot API limits the adapter respects. Named here so a change in Telegram's rules is one edit, and
 * so renderers, tests and the fake Bot API server agree on the same numbers.
 */

/** Longest message text after entity parsing, in UTF-16 code units (Telegram counts them). */
export const MAX_MESSAGE_CHARS = 4096;

/** Largest `callback_data` of an inline button, in UTF-8 bytes. */
export const MAX_CALLBACK_DATA_BYTES = 64;

/** Most inline buttons the renderer puts in one keyboard row (Telegram allows 8). */
export const MAX_BUTTONS_PER_ROW = 8;

/** Longest `text` of answerCallbackQuery that Telegram shows as a toast. */
export const MAX_CALLBACK_ANSWER_CHARS = 200;

/** The path the webhook is mounted on in the app's HTTP server; TELEGRAM_WEBHOOK_URL must end with it. */
export const WEBHOOK_PATH = '/telegram/webhook';

/** The header Telegram sends the webhook secret in (`secret_token` of setWebhook). */
export const WEBHOOK_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** The update kinds the bot asks Telegram for: everything else is not needed and costs traffic. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** Longest caption of a photo or document (sendPhoto, sendDocument), in characters. */
export const MAX_CAPTION_CHARS = 1024;
