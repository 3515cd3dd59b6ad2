/**
 * Continuous feedback (umpan balik berkelanjutan, DOMAIN.md): what a supervisor's feedback can be and the
 * BerAKHLAK core values feedback and recognition can be tied to.
 */

/** The kinds of supervisor feedback: appreciation or a suggestion for improvement. */
export const FEEDBACK_KINDS = ['apresiasi', 'saran'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** The seven BerAKHLAK core values, in their official order (keys; names are in the locales). */
export const BERAKHLAK_VALUES = ['berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif'] as const;
export type BerakhlakValue = (typeof BERAKHLAK_VALUES)[number];
