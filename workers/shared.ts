/**
 * Small value helpers both threads use (`src/` and `workers/`): freezing canonical values,
 * rounding canonical numbers, reading `rrggbbaa` colours and turning gradient angles into
 * directions. Like protocol.ts it imports nothing, so either side loads it cheaply; nothing here
 * touches the file system, the canvas or the server.
 */

/** Freezes an object graph (specs, catalogs and configs are read-only once built). */
export function deepFreeze<T>(value: T): T {
  // Typed arrays (image bytes) cannot be frozen; they are left as they are.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `n` rounded to a multiple of `step` (canonical numbers: 0.01 for px and ratios, 0.5 for font sizes). */
export function round(n: number, step: number): number {
  return Math.round(n / step) * step;
}

/** A canonical colour (`rrggbbaa`, lowercase hex) as [r, g, b, a] bytes. */
export function rgba(hex: string): [number, number, number, number] {
  const n = parseInt(hex, 16);
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/**
 * The unit vector a CSS gradient angle points along (0 = to top, 90 = to right, 180 = to bottom),
 * in canvas coordinates (y grows downwards).
 */
export function gradientDirection(angle: number): { dx: number; dy: number } {
  const rad = (angle * Math.PI) / 180;
  return { dx: Math.sin(rad), dy: -Math.cos(rad) };
}
