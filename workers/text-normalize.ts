/**
 * Text normalisation, run once at the edge so equivalent inputs share one canonical form (and
 * one ETag): well-formed UTF-16, NFC, LF newlines (a literal backslash-n counts as one), tabs as
 * spaces, no other control characters, no bidi embedding/override/isolate controls (direction
 * comes from the `direction` parameter and the text's own letters, so nobody can reorder what a
 * reader sees), and at most MAX_MARKS nonspacing marks in a row (zalgo text cannot pile glyphs
 * far above and below its line).
 */

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Nonspacing marks kept per run (Vietnamese needs 2, pointed Hebrew with cantillation 3-4). */
export const MAX_MARKS = 4;
const MARK_PILES = new RegExp(`(\\p{Mn}{${MAX_MARKS}})\\p{Mn}+`, 'gu');

/** Returns the canonical form of user text. */
export function normalizeText(input: string): string {
  return input
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(/\\n/g, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, '')
    .replace(BIDI_CONTROLS, '')
    .normalize('NFC')
    .replace(MARK_PILES, '$1');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Normalises rich-text spans as one text: a span boundary inside a grapheme cluster (a base in
 * one span, its combining mark in the next) moves to the cluster's end, so the cluster belongs
 * to the span of its base and composes (NFC) as in plain text; then each span is normalised.
 */
export function normalizeSpans(texts: readonly string[]): string[] {
  const clean = texts.map(normalizeText);
  const joined = clean.join('');
  const ends = new Set<number>();
  for (const s of segmenter.segment(joined)) ends.add(s.index + s.segment.length);
  const out: string[] = [];
  let from = 0, boundary = 0;
  for (const t of clean) {
    boundary += t.length;
    let to = Math.max(from, boundary);
    while (to < joined.length && !ends.has(to)) to++;
    out.push(normalizeText(joined.slice(from, to)));
    from = to;
  }
  return out;
}

/** Splits text into extended grapheme clusters (user-perceived characters). */
export function graphemes(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text)) out.push(s.segment);
  return out;
}
