/**
 * Indicator templates: data files under `templates/` (DOMAIN.md: indicator sets are configurable). A cycle
 * copies its template's items when it is created, so editing a template later never changes a running cycle.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';
import { INDICATOR_KINDS } from '../db/entities/cycle.js';
import { UserFacingError } from './problems.js';

/** Where the shipped templates live. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const itemSchema = z.object({
  code: z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be 1-64 characters of a-z, 0-9 or _'),
  kind: z.enum(INDICATOR_KINDS),
  nameId: z.string().min(1).max(255),
  nameEn: z.string().min(1).max(255),
  unitOfMeasure: z.string().max(64).optional(),
  target: z.number().positive().optional(),
});

const templateSchema = z.object({
  code: z.string(),
  description: z.string().optional(),
  indicators: z.array(itemSchema).min(1),
});

/** One indicator as a template defines it. */
export type TemplateItem = z.infer<typeof itemSchema>;
/** A parsed template file. */
export type IndicatorTemplate = z.infer<typeof templateSchema>;

/** The template does not exist or is not valid. */
export class TemplateError extends UserFacingError {}

/** Loads `templates/<code>.json` and checks it. */
export async function loadTemplate(code: string, dir: string = TEMPLATES_DIR): Promise<IndicatorTemplate> {
  if (!/^[a-z0-9_-]{1,64}$/i.test(code)) throw new TemplateError(`template name "${code}" may only hold letters, digits, _ and -; e.g. default`);
  const path = join(dir, `${code}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new TemplateError(`no indicator template "${code}" (looked for ${path}); use --template default or add that file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TemplateError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = templateSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TemplateError(`${path} is not a valid template: ${issues}`);
  }
  const codes = parsed.data.indicators.map((i) => i.code);
  const twice = codes.find((c, i) => codes.indexOf(c) !== i);
  if (twice) throw new TemplateError(`${path}: indicator code "${twice}" appears twice; codes must be unique`);
  return parsed.data;
}
