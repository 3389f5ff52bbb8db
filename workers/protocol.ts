/**
 * Types shared by the HTTP side (`src/`) and the render side (`workers/`).
 * This module imports nothing, so both threads can load it cheaply.
 */

/** Output image formats. `jpg` is the canonical name of JPEG. */
export type ImageFormat = 'png' | 'jpg' | 'webp';

/** Horizontal alignment of each line inside the padded box. */
export type Align = 'left' | 'center' | 'right';
/** Vertical alignment of the text block inside the padded box. */
export type VAlign = 'top' | 'middle' | 'bottom';
/** Fitting strategy: keep `size`, or shrink down to `minSize` until the text fits. */
export type Fit = 'none' | 'shrink';
/** Base paragraph direction; `auto` takes it from the first strong character. */
export type Direction = 'auto' | 'ltr' | 'rtl';
/** Preferred CJK glyph forms (Han characters differ between regions); `auto` detects kana/hangul. */
export type CjkLang = 'auto' | 'zh-Hans' | 'ja' | 'ko';

/** Background paint: one colour, or a linear gradient of 2-3 evenly spaced stops. */
export interface Background {
  /** Colours as lowercase `rrggbbaa`. */
  readonly colors: readonly string[];
  /** Gradient angle in CSS degrees (0 = to top, 90 = to right, 180 = to bottom). */
  readonly angle: number;
}

/**
 * The canonical render request: every option validated, normalised and defaulted.
 * Its JSON form (keys in declaration order) is the single source of ETags and cache keys.
 */
export interface RenderSpec {
  readonly format: ImageFormat;
  readonly text: string;
  readonly w: number;
  readonly h: number;
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
}

/** Hard limits, checked at the edge and again in the worker. */
export interface RenderLimits {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxPixels: number;
  readonly maxTextLength: number;
}

/** Largest font size (px) a request may ask for; the schema and the worker both enforce it. */
export const MAX_FONT_SIZE = 512;

/** Output width in device pixels. */
export const pixelWidth = (spec: Pick<RenderSpec, 'w' | 'dpr'>): number => Math.round(spec.w * spec.dpr);
/** Output height in device pixels. */
export const pixelHeight = (spec: Pick<RenderSpec, 'h' | 'dpr'>): number => Math.round(spec.h * spec.dpr);

/** A task sent to the render worker. */
export interface RenderTask {
  readonly kind: 'render';
  readonly spec: RenderSpec;
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

/** A worker's cache counters (measurement LRU and gradient cache), sent with every render. */
export interface WorkerCacheStats {
  readonly measureHits: number;
  readonly measureMisses: number;
  readonly measureEntries: number;
  readonly gradientBytes: number;
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
