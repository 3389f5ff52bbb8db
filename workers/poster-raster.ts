/**
 * Drawing posters: the canvas background, then each layer in order inside its own transform
 * (translate to the box, rotate about its centre, opacity) and clip (nothing paints outside a
 * layer's box). Text layers draw an optional box behind the text, then stroke (under the fill),
 * shadow and fill per run; vertical text is drawn glyph by glyph as vertical-layout.ts placed it.
 */
import { fontCss } from './font-registry.js';
import type { Image, SKRSContext2D } from '@napi-rs/canvas';
import { cssColor, fillWithGradient, paintCanvas, type GradientBudget } from './background.js';
import { drawArtRun, isArtFace } from './emoji-art.js';
import type { PlacedRun, TextLayout } from './layout.js';
import type { CanvasBackground, ImageFit, ImageLayerSpec, LayerSpec, PosterSpec, ShapeLayerSpec, TextLayerSpec } from './protocol.js';
import { spanStrips } from './span-paint.js';
import { EM_CENTRE, type VerticalGlyph, type VerticalLayout } from './vertical-layout.js';

/** A text layer's finished layout: horizontal lines or vertical columns. */
export type LaidOutText = { readonly mode: 'horizontal'; readonly layout: TextLayout } | { readonly mode: 'vertical'; readonly layout: VerticalLayout };

/** What layers need besides the spec: decoded images and text layouts by layer index, and the render's gradient budget. */
export interface PosterResources {
  readonly images: ReadonlyMap<number, Image>;
  readonly text: ReadonlyMap<number, LaidOutText>;
  readonly gradients: GradientBudget;
}

interface Rect { x: number; y: number; w: number; h: number }

/** A rounded-rectangle path (radius clamped to half the shorter side). */
function roundRect(ctx: SKRSContext2D, r: Rect, radius: number): void {
  const k = Math.max(0, Math.min(radius, r.w / 2, r.h / 2));
  ctx.beginPath();
  if (k === 0) ctx.rect(r.x, r.y, r.w, r.h);
  else ctx.roundRect(r.x, r.y, r.w, r.h, k);
}

/** Draws an image into a box with cover / contain / fill. */
function drawFitted(ctx: SKRSContext2D, img: Image, r: Rect, fit: ImageFit): void {
  const iw = img.width, ih = img.height;
  if (fit === 'fill') return ctx.drawImage(img, r.x, r.y, r.w, r.h);
  if (fit === 'contain') {
    const s = Math.min(r.w / iw, r.h / ih);
    return ctx.drawImage(img, r.x + (r.w - iw * s) / 2, r.y + (r.h - ih * s) / 2, iw * s, ih * s);
  }
  const s = Math.max(r.w / iw, r.h / ih);
  const sw = r.w / s, sh = r.h / s;
  ctx.drawImage(img, (iw - sw) / 2, (ih - sh) / 2, sw, sh, r.x, r.y, r.w, r.h);
}

/**
 * Paints the canvas background over every device pixel (`width` x `height`): a colour or an
 * undithered gradient (background.ts), or white under an image drawn to fit the canvas.
 */
export function drawBackground(ctx: SKRSContext2D, bg: CanvasBackground, spec: PosterSpec, img: Image | null, width: number, height: number, budget: GradientBudget): void {
  if (bg.type !== 'image') return paintCanvas(ctx, bg, width, height, budget);
  ctx.setTransform(spec.dpr, 0, 0, spec.dpr, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, spec.w, spec.h);
  if (img) drawFitted(ctx, img, { x: 0, y: 0, w: spec.w, h: spec.h }, bg.fit);
}

/** Draws one layer: transform, opacity and clip to its box, then its content. */
export function drawLayer(ctx: SKRSContext2D, layer: LayerSpec, index: number, res: PosterResources, dpr: number): void {
  ctx.save();
  ctx.translate(layer.x + layer.width / 2, layer.y + layer.height / 2);
  if (layer.rotate) ctx.rotate((layer.rotate * Math.PI) / 180);
  ctx.translate(-layer.width / 2, -layer.height / 2);
  ctx.globalAlpha = layer.opacity;
  const box = { x: 0, y: 0, w: layer.width, h: layer.height };
  ctx.beginPath();
  ctx.rect(0, 0, box.w, box.h);
  ctx.clip();
  if (layer.type === 'text') drawText(ctx, layer, res.text.get(index)!, box, dpr);
  else if (layer.type === 'image') drawImageLayer(ctx, layer, res.images.get(index)!, box);
  else drawShape(ctx, layer, box, dpr, res.gradients);
  ctx.restore();
}

function drawImageLayer(ctx: SKRSContext2D, layer: ImageLayerSpec, img: Image, box: Rect): void {
  if (layer.radius > 0) {
    roundRect(ctx, box, layer.radius);
    ctx.clip();
  }
  drawFitted(ctx, img, box, layer.fit);
}

function drawShape(ctx: SKRSContext2D, layer: ShapeLayerSpec, box: Rect, dpr: number, budget: GradientBudget): void {
  // The stroke is centred on the path: inset the path by half its width so it stays in the box.
  const inset = layer.stroke ? layer.stroke.width / 2 : 0;
  const r = { x: inset, y: inset, w: Math.max(0, box.w - 2 * inset), h: Math.max(0, box.h - 2 * inset) };
  if (layer.type === 'ellipse') {
    ctx.beginPath();
    ctx.ellipse(box.w / 2, box.h / 2, r.w / 2, r.h / 2, 0, 0, Math.PI * 2);
  } else {
    roundRect(ctx, r, Math.max(0, layer.radius - inset));
  }
  if (layer.fill?.type === 'color') {
    ctx.fillStyle = cssColor(layer.fill.color);
    ctx.fill();
  } else if (layer.fill) {
    fillWithGradient(ctx, layer.fill, box.w, box.h, dpr, budget);
  }
  if (layer.stroke && layer.stroke.width > 0) {
    ctx.strokeStyle = cssColor(layer.stroke.color);
    ctx.lineWidth = layer.stroke.width;
    ctx.stroke();
  }
}

/** The text block's bounds grown by the background padding, kept inside the layer box. */
function backgroundBox(t: LaidOutText, pad: number, box: Rect): Rect {
  const b = t.layout.bounds;
  const x0 = Math.max(box.x, b.x - pad), y0 = Math.max(box.y, b.y - pad);
  const x1 = Math.min(box.x + box.w, b.x + b.w + pad), y1 = Math.min(box.y + box.h, b.y + b.h + pad);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/** Runs `paint` once with the stroke (and shadow) and once with the fill, as CSS paint-order: stroke. */
function paintPasses(ctx: SKRSContext2D, layer: TextLayerSpec, dpr: number, paint: (pass: 'stroke' | 'fill') => void): void {
  const shadow = (on: boolean): void => {
    const s = layer.shadow;
    ctx.shadowColor = on && s ? cssColor(s.color) : 'rgba(0,0,0,0)';
    ctx.shadowBlur = on && s ? s.blur * dpr : 0;
    ctx.shadowOffsetX = on && s ? s.x * dpr : 0;
    ctx.shadowOffsetY = on && s ? s.y * dpr : 0;
  };
  if (layer.stroke && layer.stroke.width > 0) {
    shadow(true);
    ctx.strokeStyle = cssColor(layer.stroke.color);
    ctx.lineWidth = layer.stroke.width * 2;
    ctx.lineJoin = 'round';
    paint('stroke');
    shadow(false);
  } else {
    shadow(true);
  }
  paint('fill');
  shadow(false);
}

function drawText(ctx: SKRSContext2D, layer: TextLayerSpec, t: LaidOutText, box: Rect, dpr: number): void {
  if (layer.background) {
    ctx.fillStyle = cssColor(layer.background.color);
    roundRect(ctx, backgroundBox(t, layer.background.padding, box), layer.background.radius);
    ctx.fill();
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.letterSpacing = `${layer.letterSpacing}px`;
  const color = (style: number): string => cssColor(layer.spans[style]?.color ?? layer.spans[0].color);
  if (t.mode === 'horizontal') {
    const { size, runs } = t.layout;
    paintPasses(ctx, layer, dpr, (pass) => {
      for (const run of runs) {
        if (isArtFace(run.face)) {
          // Artwork is a bitmap: drawn once, in the fill pass (a stroke would outline its square).
          if (pass === 'fill') drawArtRun(ctx, run.face, run.text, run.x, run.y, size, layer.letterSpacing);
          continue;
        }
        ctx.font = fontCss(run.face, size);
        ctx.direction = run.rtl ? 'rtl' : 'ltr';
        if (pass === 'stroke') ctx.strokeText(run.text, run.x, run.y);
        else if (!run.styles) {
          ctx.fillStyle = color(run.style);
          ctx.fillText(run.text, run.x, run.y);
        } else {
          fillAcrossSpans(ctx, run, size, layer.letterSpacing, dpr, color);
        }
      }
    });
    return;
  }
  const { size, glyphs } = t.layout;
  ctx.letterSpacing = '0px';
  paintPasses(ctx, layer, dpr, (pass) => {
    for (const g of glyphs) {
      ctx.font = fontCss(g.face, size);
      ctx.direction = 'ltr';
      if (pass === 'fill') ctx.fillStyle = color(g.style);
      drawVerticalGlyph(ctx, g, size, pass);
    }
  });
}

/**
 * Fills a run that crosses rich-text spans: shaped once, drawn once per span clipped to that
 * span's strip. A shadow, when set, is cast once by the whole run (drawn far outside the clip with
 * the offset compensating), so strips never cut it.
 */
function fillAcrossSpans(ctx: SKRSContext2D, run: PlacedRun, size: number, ls: number, dpr: number, color: (style: number) => string): void {
  const shadowed = ctx.shadowColor.replace(/\s/g, '') !== 'rgba(0,0,0,0)';
  const saved = { color: ctx.shadowColor, blur: ctx.shadowBlur, x: ctx.shadowOffsetX, y: ctx.shadowOffsetY };
  if (shadowed) {
    const far = 100_000, m = ctx.getTransform();
    ctx.fillStyle = color(run.style);
    ctx.shadowOffsetX = saved.x + far * m.a;
    ctx.shadowOffsetY = saved.y + far * m.b;
    ctx.fillText(run.text, run.x - far, run.y);
    ctx.shadowColor = 'rgba(0,0,0,0)';
    ctx.shadowBlur = 0;
    ctx.shadowOffsetX = 0;
    ctx.shadowOffsetY = 0;
  }
  for (const strip of spanStrips(run, size, ls, dpr)) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(strip.x0, run.y - 4 * size, strip.x1 - strip.x0, 8 * size);
    ctx.clip();
    ctx.fillStyle = color(strip.style);
    ctx.fillText(run.text, run.x, run.y);
    ctx.restore();
  }
  if (shadowed) Object.assign(ctx, { shadowColor: saved.color, shadowBlur: saved.blur, shadowOffsetX: saved.x, shadowOffsetY: saved.y });
}

/** Draws one unit of vertical text in its cell. */
function drawVerticalGlyph(ctx: SKRSContext2D, g: VerticalGlyph, size: number, pass: 'stroke' | 'fill'): void {
  const face = g.face;
  const draw = (x: number, y: number): void => {
    if (isArtFace(face)) {
      if (pass === 'fill') drawArtRun(ctx, face, g.text, x, y, size, 0);
    } else if (pass === 'stroke') ctx.strokeText(g.text, x, y);
    else ctx.fillText(g.text, x, y);
  };
  const middle = g.top + g.advance / 2;
  if (g.mode === 'rotate') {
    ctx.save();
    ctx.translate(g.cx, middle);
    ctx.rotate(Math.PI / 2);
    draw(-g.width / 2, EM_CENTRE * size);
    ctx.restore();
    return;
  }
  if (g.mode === 'dash') {
    // Stretch the dash's ink over its whole cell (a hair beyond, so antialiased ends do not leave
    // a seam) and centre it on the column, so consecutive dashes draw one continuous line.
    const m = ctx.measureText(g.text);
    const x0 = -m.actualBoundingBoxLeft, x1 = m.actualBoundingBoxRight;
    const sx = (g.advance + 0.04 * size) / Math.max(x1 - x0, 1e-6);
    ctx.save();
    ctx.translate(g.cx, middle);
    ctx.rotate(Math.PI / 2);
    ctx.scale(sx, 1);
    draw(-(x0 + x1) / 2, (m.actualBoundingBoxAscent - m.actualBoundingBoxDescent) / 2);
    ctx.restore();
    return;
  }
  if (g.mode === 'tcy') {
    const squeeze = Math.min(1, (size * 0.92) / Math.max(g.width, 1e-6));
    ctx.save();
    ctx.translate(g.cx, middle + EM_CENTRE * size);
    ctx.scale(squeeze, 1);
    draw(-g.width / 2, 0);
    ctx.restore();
    return;
  }
  const [dx, dy] = g.mode === 'corner' ? [0.58, -0.58] : g.mode === 'small' ? [0.1, -0.1] : [0, 0];
  draw(g.cx - g.width / 2 + dx * size, middle + (EM_CENTRE + dy) * size);
}
