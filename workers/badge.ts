/**
 * shields.io-style badges in the worker: measure the label and message (11 px, one line each),
 * size the badge to them (5 px of padding each side, 20 px high) and build the poster that draws
 * it: the message colour under the whole rounded badge, the label colour over its left part, and
 * each text centred in its part, white with a faint shadow (dark on light colours, as shields does).
 */
import { naturalWidth } from './auto-size.js';
import type { FontSelector } from './font-select.js';
import { detectLang, itemizeParagraph } from './itemize.js';
import type { BadgeSpec, LayerSpec, PosterSpec, ShapeLayerSpec, TextLayerSpec } from './protocol.js';
import { rgba } from './shared.js';

/** Badge geometry in CSS px (shields' flat style). */
export const BADGE_GEOMETRY = Object.freeze({ height: 20, fontSize: 11, padX: 5, radius: 3 });

/** Width in CSS px of one line of badge text. */
function textWidth(text: string, font: string, fonts: FontSelector): number {
  if (text.length === 0) return 0;
  const p = itemizeParagraph(text, { font, weight: 400, lang: detectLang(text, 'auto'), direction: 'auto', spaced: false }, fonts);
  return naturalWidth(p, BADGE_GEOMETRY.fontSize, 0);
}

/** shields' text colours for a background: white with a dark shadow, or #333 with a light one past brightness 0.69. */
export function badgeTextColors(bg: string): { text: string; shadow: string } {
  const [r, g, b] = rgba(bg);
  const light = (r * 299 + g * 587 + b * 114) / 255000 > 0.69;
  return light ? { text: '333333ff', shadow: 'cccccc4d' } : { text: 'ffffffff', shadow: '0101014d' };
}

const base = { y: 0, opacity: 1, rotate: 0, height: BADGE_GEOMETRY.height };

function rect(x: number, width: number, color: string, radius: number): ShapeLayerSpec {
  return { type: 'rect', ...base, x, width, fill: { type: 'color', color }, stroke: null, radius };
}

function label(text: string, x: number, width: number, bg: string, spec: BadgeSpec): TextLayerSpec {
  const c = badgeTextColors(bg);
  return {
    type: 'text', ...base, x, width, spans: [{ text, color: c.text, font: spec.font, weight: 400 }],
    size: BADGE_GEOMETRY.fontSize, minSize: BADGE_GEOMETRY.fontSize, fit: 'none', maxLines: 1, align: 'center', valign: 'middle',
    lineHeight: 1.25, letterSpacing: 0, direction: 'auto', lang: 'auto', writingMode: 'horizontal', balance: false,
    stroke: null, shadow: { color: c.shadow, blur: 0, x: 0, y: 1 }, background: null,
  };
}

/** The poster that draws a badge, sized to its measured text. */
export function badgePoster(spec: BadgeSpec, fonts: FontSelector): PosterSpec {
  const { padX } = BADGE_GEOMETRY;
  const radius = spec.style === 'flat' ? BADGE_GEOMETRY.radius : 0;
  const labelW = spec.label.length > 0 ? Math.ceil(textWidth(spec.label, spec.font, fonts)) + 2 * padX : 0;
  const messageW = Math.ceil(textWidth(spec.message, spec.font, fonts)) + 2 * padX;
  const w = labelW + messageW;
  const layers: LayerSpec[] = [rect(0, w, spec.color, radius)];
  if (labelW > 0) {
    layers.push(rect(0, labelW, spec.labelColor, radius));
    // Square off the label's right corners where it meets the message.
    if (radius > 0) layers.push(rect(labelW - radius, radius, spec.labelColor, 0));
    layers.push(label(spec.label, 0, labelW, spec.labelColor, spec));
  }
  layers.push(label(spec.message, labelW, messageW, spec.color, spec));
  return {
    format: spec.format, w, h: BADGE_GEOMETRY.height, dpr: spec.dpr, q: spec.q,
    background: { type: 'color', color: '00000000' }, layers,
  };
}
