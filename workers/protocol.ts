/**
 * Types shared by the HTTP side (`src/`) and the render side (`workers/`).
 * This module imports nothing, so both threads can load it cheaply.
 */

/** Output image formats. `jpg` is the canonical name of JPEG. */
export type ImageFormat = 'png' | 'jpg' | 'webp';

/** Every output format, by its canonical name. */
export const FORMATS: readonly ImageFormat[] = Object.freeze(['png', 'jpg', 'webp']);

/** Every name a request may give a format (URL extension, `format` field): the canonical ones and `jpeg`. */
export const FORMAT_NAMES: readonly string[] = Object.freeze(['png', 'jpg', 'jpeg', 'webp']);

/** A format name in canonical form (`jpeg` is `jpg`); null for any other string (names are lowercase). */
export function canonicalFormat(name: string): ImageFormat | null {
  if (name === 'jpeg') return 'jpg';
  return (FORMATS as readonly string[]).includes(name) ? (name as ImageFormat) : null;
}

/** Horizontal alignment of each line inside the padded box. */
export type Align = 'left' | 'center' | 'right';
/** Vertical alignment of the text block inside the padded box. */
export type VAlign = 'top' | 'middle' | 'bottom';
/** Fitting strategy: keep `size`, or shrink down to `minSize` until the text fits. */
export type Fit = 'none' | 'shrink';
/** Base paragraph direction; `auto` takes it from the first strong character. */
export type Direction = 'auto' | 'ltr' | 'rtl';
/**
 * Preferred CJK glyph forms (Han characters differ between regions): Simplified Chinese,
 * Traditional Chinese in Taiwan forms (`zh-Hant`) or Hong Kong forms (`zh-HK`), Japanese, Korean;
 * `auto` detects kana/hangul, else zh-Hans.
 */
export type CjkLang = 'auto' | 'zh-Hans' | 'zh-Hant' | 'zh-HK' | 'ja' | 'ko';

/** Every `lang` value, for the request and poster schemas. */
export const CJK_LANGS: readonly CjkLang[] = ['auto', 'zh-Hans', 'zh-Hant', 'zh-HK', 'ja', 'ko'];
/** CSS `line-break`: how strictly CJK kinsoku keeps characters off line starts (`anywhere`: none). */
export type LineBreak = 'normal' | 'strict' | 'loose' | 'anywhere';
/** CSS `word-break`: `keep-all` never breaks between CJK letters; `auto-phrase` only between phrases (BudouX). */
export type WordBreak = 'normal' | 'keep-all' | 'auto-phrase';

/** Background paint: one colour, or a linear gradient of 2-3 evenly spaced stops. */
export interface Background {
  /** Colours as lowercase `rrggbbaa`. */
  readonly colors: readonly string[];
  /** Gradient angle in CSS degrees (0 = to top, 90 = to right, 180 = to bottom). */
  readonly angle: number;
}

/** A width or height in CSS px, or `auto`: the worker sizes that side to the text (plus padding). */
export type Dimension = number | 'auto';

/**
 * The canonical render request: every option validated, normalised and defaulted.
 * Its JSON form (keys in declaration order) is the single source of ETags and cache keys.
 */
export interface RenderSpec {
  readonly format: ImageFormat;
  readonly text: string;
  readonly w: Dimension;
  readonly h: Dimension;
  readonly dpr: number;
  /** Encoder quality for jpg/webp; 0 for png (unused). */
  readonly q: number;
  readonly bg: Background;
  readonly color: string;
  /** Canonical family name from the font catalog. */
  readonly font: string;
  readonly weight: number;
  readonly size: number;
  readonly minSize: number;
  readonly align: Align;
  readonly valign: VAlign;
  readonly padding: number;
  readonly lineHeight: number;
  readonly letterSpacing: number;
  /** 0 means no limit beyond the box height. */
  readonly maxLines: number;
  readonly fit: Fit;
  readonly direction: Direction;
  readonly lang: CjkLang;
  /** Present only when not `normal`, so URLs from before the option keep their canonical string (and signature). */
  readonly lineBreak?: LineBreak;
  /** Present only when not `normal` (as lineBreak). */
  readonly wordBreak?: WordBreak;
}

/** Hard limits, checked at the edge and again in the worker. */
export interface RenderLimits {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxPixels: number;
  readonly maxTextLength: number;
  /** Most layers a poster document may hold. */
  readonly maxLayers: number;
}

/** Largest font size (px) a request may ask for; the schema and the worker both enforce it. */
export const MAX_FONT_SIZE = 512;

/** Output width in device pixels. */
export const pixelWidth = (spec: { readonly w: number; readonly dpr: number }): number => Math.round(spec.w * spec.dpr);
/** Output height in device pixels. */
export const pixelHeight = (spec: { readonly h: number; readonly dpr: number }): number => Math.round(spec.h * spec.dpr);

// ---------------------------------------------------------------------------------------------
// Fonts: the catalog the main thread builds at start (src/font-catalog.ts) and every worker
// receives in its WorkerData. Plain data, safe to post between threads.

/** A sorted list of inclusive code point ranges packed as [lo0, hi0, lo1, hi1, …] (workers/unicode-ranges.ts). */
export type RangeSet = readonly number[];

/** One font file: a single weight of a family, covering (at most) `ranges`. */
export interface FaceInfo {
  /** Position in `FontCatalog.faces` (the slot of its lazy Skia registration). */
  readonly index: number;
  /** Stable alias the face is registered under in Skia (unique per face). */
  readonly alias: string;
  readonly family: string;
  readonly weight: number;
  readonly file: string;
  readonly bytes: number;
  /** Declared coverage: a subset's CSS `unicode-range`, or the cmap of a standalone file. */
  readonly ranges: RangeSet;
  /** True when `ranges` is the font's own cmap; else the cmap is read from `cmapFile` when needed. */
  readonly exact: boolean;
  /** The file whose cmap is read (a subset's `.woff` sibling when there is one: cheaper than WOFF2). */
  readonly cmapFile: string;
}

/** A family as listed by `GET /fonts`. */
export interface FamilyInfo {
  readonly name: string;
  readonly weights: readonly number[];
  readonly scripts: readonly string[];
  /** Generic names (`sans`, `serif`, `mono`) that point at this family. */
  readonly generic: readonly string[];
}

/** Everything the renderer needs to know about fonts; plain data, safe to post to workers. */
export interface FontCatalog {
  readonly faces: readonly FaceInfo[];
  readonly families: readonly FamilyInfo[];
  readonly generic: Readonly<Record<string, string>>;
  /** Fallback families tried after the requested one, in order. */
  readonly fallback: readonly string[];
  /** Colour emoji family, tried first for emoji-presentation graphemes and last for the rest. */
  readonly emoji: string;
  /** Family whose one glyph (a box, mapped at U+E000) stands for a grapheme no font has. */
  readonly notdef: string;
  /** Preferred family per script (Hans, Hant, Hant-HK, Jpan, Kore, Arab, Beng, …), ahead of the fallback chain. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Hash of the face list: part of every ETag, so new fonts change URLs' validators. */
  readonly version: string;
  /** Files that could not be used, with the reason (logged at start). */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

/** Code point the notdef family maps its box glyph to. */
export const NOTDEF_CP = 0xe000;

/** Bytes of the shared lazy-registration state workers need for a catalog (one Int32 per face, workers/font-registry.ts). */
export function registryBytes(catalog: FontCatalog): number {
  return Math.max(1, catalog.faces?.length ?? 0) * 4;
}

/** Data every render worker receives at start (Piscina's workerData). */
export interface WorkerData {
  readonly catalog: FontCatalog;
  /** One Int32 per catalog face: its Skia registration state, shared by every thread (`registryBytes(catalog)` bytes). */
  readonly fontLock: SharedArrayBuffer;
  readonly limits: RenderLimits;
  /** Int32 slots set to 1 by the main thread when a queued render's clients are all gone. */
  readonly cancelBoard: SharedArrayBuffer;
}

/** Badge styles: `flat` (corner radius 3) and `flat-square` (square corners). */
export type BadgeStyle = 'flat' | 'flat-square';

/**
 * The canonical shields.io-style badge: label (may be empty) on `labelColor`, message on `color`,
 * 20 CSS px high and as wide as its text; the worker measures the text and decides the width.
 */
export interface BadgeSpec {
  readonly kind: 'badge';
  readonly format: ImageFormat;
  readonly label: string;
  readonly message: string;
  readonly labelColor: string;
  readonly color: string;
  readonly style: BadgeStyle;
  readonly font: string;
  readonly dpr: number;
  readonly q: number;
}

/**
 * What the render worker draws: a poster document (a GET card is a poster with one text layer,
 * built on the main thread) or a badge, which the worker sizes to its measured text first.
 */
export type RenderDocument = PosterSpec | BadgeSpec;

/** True when a document is a badge (the only document the worker turns into a poster itself). */
export const isBadge = (doc: RenderDocument): doc is BadgeSpec => (doc as BadgeSpec).kind === 'badge';

/** A render task: one document through the one stage list (workers/pipeline.ts). */
export interface RenderTask {
  readonly kind: 'render';
  readonly doc: RenderDocument;
  /** Epoch milliseconds after which the worker gives up between stages. */
  readonly deadline: number;
  /** Index into the shared cancel board: 1 there means every client for this render left. */
  readonly cancelSlot: number;
}

/** A warm-up task: loads fonts and renders a tiny probe so the first real request is fast. */
export interface WarmupTask {
  readonly kind: 'warmup';
}

/** Per-stage timings in milliseconds, for logs and metrics. */
export type StageTimings = Record<string, number>;

/** A worker's cache counters (measurement LRU, gradient cache, decoded images), sent with every render. */
export interface WorkerCacheStats {
  readonly measureHits: number;
  readonly measureMisses: number;
  readonly measureEntries: number;
  readonly gradientBytes: number;
  /** Decoded poster images held (bytes) and their cache hits/misses. */
  readonly imageBytes: number;
  readonly imageHits: number;
  readonly imageMisses: number;
  /** Font faces this thread registered with Skia (each face is registered once per process). */
  readonly fontFacesLoaded: number;
  /** Font cmaps read by this thread (lazy coverage), and graphemes drawn as the notdef box. */
  readonly cmapReads: number;
  readonly notdefGraphemes: number;
  /** Emoji-sequence artwork bitmaps (emoji-art.ts): draws from the cache, rasterisations (SVG renders), bitmaps held. */
  readonly emojiArtHits: number;
  readonly emojiArtMisses: number;
  readonly emojiArtEntries: number;
}

/** What a successful render returns across the thread boundary. */
export interface RenderOk {
  readonly ok: true;
  readonly body: Uint8Array;
  /** The size the text was set at (after fit=shrink), for the request log. */
  readonly fontSize: number;
  readonly lines: number;
  readonly truncated: boolean;
  readonly timings: StageTimings;
  /** The rendering thread and its cache counters after this render. */
  readonly threadId: number;
  readonly caches: WorkerCacheStats;
}

/** An expected failure, as plain data (errors lose their fields crossing threads). */
export interface RenderFailure {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  /** JSON pointer of the document field at fault (poster renders), when known. */
  readonly param?: string;
}

/** Result of a render task. */
export type RenderResult = RenderOk | RenderFailure;

/** Result of a warm-up task. */
export interface WarmupResult {
  readonly ok: true;
  readonly faces: number;
  readonly failed: readonly { readonly file: string; readonly reason: string }[];
  readonly threadId: number;
}

// ---------------------------------------------------------------------------------------------
// Posters: layered documents (POST /render, templates). Colours are lowercase `rrggbbaa`,
// geometry is in CSS px, and every default is filled in by the canonicaliser in src/.

/** A gradient stop: colour at `offset` (0-1) along the gradient. */
export interface GradientStop { readonly color: string; readonly offset: number }

/** Fill paint: a colour, a linear gradient (CSS angle) or a radial gradient (centre and radius as box fractions). */
export type Paint =
  | { readonly type: 'color'; readonly color: string }
  | { readonly type: 'linear'; readonly angle: number; readonly stops: readonly GradientStop[] }
  | { readonly type: 'radial'; readonly cx: number; readonly cy: number; readonly radius: number; readonly stops: readonly GradientStop[] };

/**
 * An image the worker decodes (and caches by `id`): an asset file, or the bytes of a data: URI.
 * `file` and `data` stay out of the canonical string; `id` (a content hash) stands for them.
 */
export interface ImageSource {
  readonly id: string;
  readonly file?: string;
  readonly data?: Uint8Array;
}

/** How an image fills its box. */
export type ImageFit = 'cover' | 'contain' | 'fill';

/** A stroke: colour and width in px. */
export interface Stroke { readonly color: string; readonly width: number }

/** A drop shadow: colour, blur radius and offset in px. */
export interface Shadow { readonly color: string; readonly blur: number; readonly x: number; readonly y: number }

/** Geometry and compositing shared by every layer. */
export interface LayerBase {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** 0-1. */
  readonly opacity: number;
  /** Degrees clockwise around the layer's centre. */
  readonly rotate: number;
}

/** A styled stretch of text inside a text layer. */
export interface TextSpan {
  readonly text: string;
  readonly color: string;
  readonly font: string;
  readonly weight: number;
}

/** How text runs: horizontal lines, or vertical columns top to bottom, right to left. */
export type WritingMode = 'horizontal' | 'vertical';

/** A text layer. */
export interface TextLayerSpec extends LayerBase {
  readonly type: 'text';
  readonly spans: readonly TextSpan[];
  readonly size: number;
  readonly minSize: number;
  readonly fit: Fit;
  readonly maxLines: number;
  readonly align: Align;
  readonly valign: VAlign;
  readonly lineHeight: number;
  readonly letterSpacing: number;
  readonly direction: Direction;
  readonly lang: CjkLang;
  /** Present only when not `normal` (existing documents keep their canonical string). */
  readonly lineBreak?: LineBreak;
  /** Present only when not `normal`. */
  readonly wordBreak?: WordBreak;
  readonly writingMode: WritingMode;
  readonly balance: boolean;
  readonly stroke: Stroke | null;
  readonly shadow: Shadow | null;
  /** A box painted behind the text block: colour, corner radius, padding between box and text. */
  readonly background: { readonly color: string; readonly radius: number; readonly padding: number } | null;
}

/** An image layer. */
export interface ImageLayerSpec extends LayerBase {
  readonly type: 'image';
  readonly source: ImageSource;
  readonly fit: ImageFit;
  readonly radius: number;
}

/** A rectangle or ellipse layer. */
export interface ShapeLayerSpec extends LayerBase {
  readonly type: 'rect' | 'ellipse';
  readonly fill: Paint | null;
  readonly stroke: Stroke | null;
  /** Corner radius (rect only). */
  readonly radius: number;
}

/** Any layer. */
export type LayerSpec = TextLayerSpec | ImageLayerSpec | ShapeLayerSpec;

/** The canvas background: a paint, or an image filling the canvas. */
export type CanvasBackground = Paint | { readonly type: 'image'; readonly source: ImageSource; readonly fit: ImageFit };

/**
 * Canvas sides the worker sizes to the text of the first layer (a card with `w=auto` / `h=auto`):
 * the side is the text's natural size plus `padding`; until then `w` / `h` hold 1.
 */
export interface AutoSize { readonly w: boolean; readonly h: boolean; readonly padding: number }

/** The canonical poster: canvas plus layers drawn in order. */
export interface PosterSpec {
  readonly format: ImageFormat;
  readonly w: number;
  readonly h: number;
  readonly dpr: number;
  readonly q: number;
  readonly background: CanvasBackground;
  readonly layers: readonly LayerSpec[];
  /** Present only on cards with an auto side; the worker's size stage resolves it. */
  readonly autoSize?: AutoSize;
}
