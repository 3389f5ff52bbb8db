/**
 * Text normalisation, run once at the edge so equivalent inputs share one canonical form (and
 * one ETag): well-formed UTF-16, NFC, LF newlines (a literal backslash-n counts as one), tabs as
 * spaces, and no other control characters.
 */

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Returns the canonical form of user text. */
export function normalizeText(input: string): string {
  return input
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(/\\n/g, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, '')
    .normalize('NFC');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Splits text into extended grapheme clusters (user-perceived characters). */
export function graphemes(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text)) out.push(s.segment);
  return out;
}
