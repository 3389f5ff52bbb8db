/**
 * Strong ETags from the canonical spec, computed before any rendering. The same URL gives the
 * same validator (and byte-identical images) on every restart and machine with the same
 * renderer and font set; a change to either changes every ETag.
 */
import { createHash } from 'node:crypto';
import type { RenderSpec } from '../workers/protocol.js';

/** Bumped whenever rendering changes output for the same spec (2: CSS line-break normal by default, CJK punctuation spacing, CJK ellipsis; 3: lines keep their ink in the box, fit=shrink fits the height, padding at most a quarter of a side, spans shaped whole, vertical presentation forms; 4: fallback by cmap, notdef box, no host fonts, new scripts; 5: emoji ZWJ sequences the font cannot form, such as 🏳️‍🌈, drawn as one emoji from Noto's artwork; 6: one engine for every image: undithered gradients in posters, palette PNGs for posters of at most 256 colours, run-length zlib for two-colour PNGs). */
export const RENDERER_VERSION = 'letterpress-render-6';

/** The canonical string of a spec (keys in declaration order; specs are built in one place). */
export function canonicalString(spec: RenderSpec): string {
  return JSON.stringify(spec);
}

/** Strong ETag for a canonical string (from canonicalString) under a font-set version. */
export function etagFor(canonical: string, fontVersion: string): string {
  const digest = createHash('sha256').update(`${RENDERER_VERSION}\n${fontVersion}\n${canonical}`).digest('base64url');
  return `"${digest.slice(0, 32)}"`;
}

/** True when an If-None-Match header value matches `etag` (lists, W/ prefixes and * allowed). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
