/**
 * placehold.co-style URLs: `/600x400`, `/600x400@2x.png`, `/600x400/000/fff`,
 * `/600x400/000000/FFFFFF/webp`, `?text=…&font=…`. A path becomes the query of the equivalent
 * `GET /render.{format}` URL, so both canonicalise to the same RenderSpec (same bytes, same ETag).
 */
import { badParam } from './errors.js';
import { outputFormat, type RenderQuery } from './params.js';

/** Defaults of a placeholder: placehold.co's light grey background and grey text, PNG. */
export const PLACEHOLDER_DEFAULTS = Object.freeze({ bg: 'dddddd', color: '999999', format: 'png', font: 'sans' });

const SIZE = /^(\d{1,6})(?:x(\d{1,6}))?(?:@([123])x)?$/i;
/** A last segment that names a format (placehold.co's, rendered or not) rather than a colour. */
const FORMAT_SEGMENT = /^(?:png|jpe?g|webp|svg|gif|avif)$/i;

/** placehold.co's font names (lower case, `-` for spaces) mapped to the generic family they stand in for. */
const FONT_ALIASES: Readonly<Record<string, string>> = {
  lato: 'sans', montserrat: 'sans', 'open-sans': 'sans', oswald: 'sans', poppins: 'sans', 'pt-sans': 'sans',
  raleway: 'sans', roboto: 'sans', 'source-sans-pro': 'sans', inter: 'sans',
  lora: 'serif', 'playfair-display': 'serif', 'pt-serif': 'serif', merriweather: 'serif',
  'roboto-mono': 'mono', 'source-code-pro': 'mono',
};

/** A placehold.co font name as a family name or generic alias this service resolves (`noto-sans` → `Noto Sans`). */
export function placeholderFont(name: string): string {
  const key = name.trim().toLowerCase().replace(/[\s+_]+/g, '-');
  return FONT_ALIASES[key] ?? key.replace(/-/g, ' ');
}

/** Splits `name.ext` into the name and a known output format; a foreign extension is a 400 naming `format`. */
function splitFormat(segment: string): { rest: string; format?: string } {
  const m = /^(.*)\.([A-Za-z0-9]+)$/.exec(segment);
  if (!m) return { rest: segment };
  return { rest: m[1], format: outputFormat(m[2]) };
}

/** True when `segment` looks like a placeholder size (`600`, `600x400`, `600x400@2x`, optionally `.png`). */
export function isPlaceholderSize(segment: string): boolean {
  return SIZE.test(segment.replace(/\.[A-Za-z0-9]+$/, ''));
}

/**
 * The `/render` format and query equivalent to a placeholder path (segments after the first `/`,
 * the size first) and its query (`text`, `font`). A single number is a square; `@2x`/`@3x` is `dpr`.
 * The text defaults to `600 × 400`; the font size follows the image (a quarter of its smaller
 * side, shrunk to fit), padding a tenth of it (at most 48).
 */
export function placeholderQuery(segments: readonly string[], query: { text?: string; font?: string }): { format: string; query: RenderQuery } {
  const parts = [...segments];
  let format: string | undefined;
  const last = parts.length - 1;
  if (parts.length > 1 && FORMAT_SEGMENT.test(parts[last])) {
    format = outputFormat(parts.pop()!);
  } else {
    const split = splitFormat(parts[last]);
    parts[last] = split.rest;
    format = split.format;
  }
  if (parts.length > 3) throw badParam('invalid_parameter', 'path', 'a placeholder path is /{size}[/{bg}[/{color}]][/{format} or .{format}]');
  const m = SIZE.exec(parts[0]);
  if (!m) throw badParam('invalid_parameter', 'w', `"${parts[0].slice(0, 40)}" is not a size: write {w}x{h}, {w}x{h}@2x or {w}`);
  const w = Number(m[1]), h = Number(m[2] ?? m[1]);
  const side = Math.min(w, h);
  const out: Record<string, string | number> = {
    text: query.text ?? `${w} × ${h}`,
    w, h,
    dpr: Number(m[3] ?? 1),
    bg: parts[1] ?? PLACEHOLDER_DEFAULTS.bg,
    color: parts[2] ?? PLACEHOLDER_DEFAULTS.color,
    font: placeholderFont(query.font ?? PLACEHOLDER_DEFAULTS.font),
    size: Math.min(512, Math.max(4, Math.round(side / 2) / 2)),
    minSize: 4,
    padding: Math.min(48, Math.floor(side / 10)),
  };
  return { format: format ?? PLACEHOLDER_DEFAULTS.format, query: out as RenderQuery };
}
