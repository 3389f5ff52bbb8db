/**
 * A GET card as a poster: the canonical render spec (the ETag's source) becomes a document with
 * the spec's background (a colour, or a linear gradient with evenly spaced stops) and one text
 * layer filling the padded box, so cards take the same stages as every other image. Built on the
 * main thread after the ETag is known (only when the image is actually rendered).
 */
import { paddedBox } from '../workers/text-box.js';
import type { CanvasBackground, PosterSpec, RenderSpec, TextLayerSpec } from '../workers/protocol.js';

/** The card's background paint. */
function cardBackground(spec: RenderSpec): CanvasBackground {
  const { colors, angle } = spec.bg;
  if (colors.length === 1) return { type: 'color', color: colors[0] };
  return { type: 'linear', angle, stops: colors.map((color, i) => ({ color, offset: i / (colors.length - 1) })) };
}

/** The poster that draws a card: its background and one text layer in the padded box (auto sides resolved by the worker). */
export function cardDocument(spec: RenderSpec): PosterSpec {
  // An auto side gets its size in the worker's size stage; until then it is 1 px.
  const w = spec.w === 'auto' ? 1 : spec.w, h = spec.h === 'auto' ? 1 : spec.h;
  const box = paddedBox(w, h, spec);
  const layer: TextLayerSpec = {
    type: 'text', x: box.x, y: box.y, width: box.w, height: box.h, opacity: 1, rotate: 0,
    spans: [{ text: spec.text, color: spec.color, font: spec.font, weight: spec.weight }],
    size: spec.size, minSize: spec.minSize, fit: spec.fit, maxLines: spec.maxLines, align: spec.align, valign: spec.valign,
    lineHeight: spec.lineHeight, letterSpacing: spec.letterSpacing, direction: spec.direction, lang: spec.lang,
    ...(spec.lineBreak ? { lineBreak: spec.lineBreak } : {}), ...(spec.wordBreak ? { wordBreak: spec.wordBreak } : {}),
    writingMode: 'horizontal', balance: false, stroke: null, shadow: null, background: null,
  };
  const auto = spec.w === 'auto' || spec.h === 'auto' ? { autoSize: { w: spec.w === 'auto', h: spec.h === 'auto', padding: spec.padding } } : {};
  return { format: spec.format, w, h, dpr: spec.dpr, q: spec.q, background: cardBackground(spec), layers: [layer], ...auto };
}
