/**
 * Slack's platform limits, as named constants (Block Kit reference, chat.postMessage and views.open docs).
 * Renderers stay inside them so Slack never rejects a message for its shape.
 */

/** Characters of mrkdwn text in one section block. */
export const SECTION_TEXT_MAX = 3000;
/** Blocks in one message. */
export const MESSAGE_BLOCKS_MAX = 50;
/** Blocks in one modal view. */
export const MODAL_BLOCKS_MAX = 100;
/** Elements (buttons) in one actions block. */
export const ACTIONS_ELEMENTS_MAX = 25;
/** Characters of a button's plain-text label. */
export const BUTTON_LABEL_MAX = 75;
/** Characters of a button's value (our opaque token). */
export const BUTTON_VALUE_MAX = 2000;
/** Characters of the top-level `text` fallback (notifications, screen readers). */
export const FALLBACK_TEXT_MAX = 4000;
/** Characters of a modal's title, submit and close labels. */
export const MODAL_TITLE_MAX = 24;
/** Characters of an input block's label. */
export const INPUT_LABEL_MAX = 2000;
/** Characters of an input block's hint. */
export const INPUT_HINT_MAX = 2000;
/** Characters of a plain_text_input's initial value. */
export const INPUT_VALUE_MAX = 3000;
/** Characters of a view's private_metadata. */
export const PRIVATE_METADATA_MAX = 3000;
/** Slack expects every request to be acknowledged within 3 s; we answer a little earlier. */
export const ACK_DEADLINE_MS = 2500;
/** A trigger_id can open a modal for 3 s after the interaction; we keep it a little less. */
export const TRIGGER_TTL_MS = 2500;
/** Slack refuses requests whose timestamp is more than 5 minutes away from now (replay protection). */
export const SIGNATURE_MAX_AGE_S = 5 * 60;
