/** Localised names of domain values. Written out key by key so the catalogue test sees every key used. */
import type { Translate } from './index.js';
import type { Rating, TextLengthCheck } from '../domain/index.js';

/** A rating level (di atas / sesuai / di bawah ekspektasi) as people read it. */
export function ratingLabel(t: Translate, r: Rating): string {
  switch (r) {
    case 'di_atas':
      return t('rating.di_atas');
    case 'sesuai':
      return t('rating.sesuai');
    case 'di_bawah':
      return t('rating.di_bawah');
  }
}

/** A predikat kinerja as people read it; the English catalogue keeps the Indonesian name in brackets. */
export function predicateLabel(t: Translate, p: string): string {
  switch (p) {
    case 'sangat_baik':
      return t('predicate.sangat_baik');
    case 'baik':
      return t('predicate.baik');
    case 'butuh_perbaikan':
      return t('predicate.butuh_perbaikan');
    case 'kurang':
      return t('predicate.kurang');
    default:
      return t('predicate.sangat_kurang');
  }
}

/** An assessment status (draft, submitted, ...) as people read it. */
export function statusLabel(t: Translate, s: string): string {
  switch (s) {
    case 'draft':
      return t('status.draft');
    case 'submitted':
      return t('status.submitted');
    case 'returned':
      return t('status.returned');
    case 'reviewed':
      return t('status.reviewed');
    default:
      return t('status.announced');
  }
}

/** A unit's organisational result (capaian kinerja organisasi), which fixes its distribution curve. */
export function orgRatingLabel(t: Translate, r: string): string {
  switch (r) {
    case 'istimewa':
      return t('org_rating.istimewa');
    case 'baik':
      return t('org_rating.baik');
    case 'butuh_perbaikan':
      return t('org_rating.butuh_perbaikan');
    case 'kurang':
      return t('org_rating.kurang');
    default:
      return t('org_rating.sangat_kurang');
  }
}

/** A text-length refusal (src/domain/text.ts) in the reader's words; empty for text that fits. */
export function textLengthFault(t: Translate, checked: TextLengthCheck): string {
  if (checked.ok) return '';
  return checked.fault === 'too_short' ? t('input.text_too_short', { length: checked.length, min: checked.min }) : t('input.text_too_long', { length: checked.length, max: checked.max });
}
