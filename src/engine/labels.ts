/** Localised names of domain values. Written out key by key so the catalogue test sees every key used. */
import type { Translate } from './i18n.js';
import type { Rating } from './state.js';

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
