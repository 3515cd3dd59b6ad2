/** A file sent as evidence, as both the self-assessment and supervisor feedback store and describe it. */
import type { IncomingFile, Platform } from '../contract/index.js';
import type { EvidenceRef } from '../db/entities/assessment.js';
import { formatNumber, type Locale } from '../i18n/index.js';

/** The stored reference to a platform file (only the fields the platform gave). */
export function fileEvidence(file: IncomingFile, platform: Platform): EvidenceRef {
  return {
    kind: file.kind,
    platform,
    fileId: file.fileId,
    ...(file.name ? { name: file.name } : {}),
    ...(file.size !== undefined ? { size: file.size } : {}),
    ...(file.mimeType ? { mimeType: file.mimeType } : {}),
  };
}

/** A file's size in MB with one decimal, in the reader's number format (for "too large" messages). */
export function fileSizeMb(locale: Locale, bytes: number): string {
  return formatNumber(locale, Math.round((bytes / 1024 / 1024) * 10) / 10);
}
