/**
 * Code point coverage sets: sorted, merged [lo, hi] pairs with binary-search lookup.
 * Built from CSS `unicode-range` descriptors or from a font's cmap.
 */

import type { RangeSet } from './protocol.js';

/** Sorts and merges inclusive [lo, hi] pairs into a RangeSet. */
export function mergeRanges(pairs: [number, number][]): RangeSet {
  const sorted = pairs.filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of sorted) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last] + 1) out[last] = Math.max(out[last], hi);
    else out.push(lo, hi);
  }
  return out;
}

/** Parses a CSS `unicode-range` value (`U+0-FF, U+4??, U+1F600`). Invalid parts are ignored. */
export function parseUnicodeRange(value: string): RangeSet {
  const pairs: [number, number][] = [];
  for (const raw of value.split(',')) {
    const part = raw.trim().replace(/^u\+/i, '');
    if (part.includes('?')) {
      pairs.push([parseInt(part.replace(/\?/g, '0'), 16), parseInt(part.replace(/\?/g, 'f'), 16)]);
    } else if (part.includes('-')) {
      const [a, b] = part.split('-');
      pairs.push([parseInt(a, 16), parseInt(b, 16)]);
    } else if (part) {
      const cp = parseInt(part, 16);
      pairs.push([cp, cp]);
    }
  }
  return mergeRanges(pairs.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)));
}

/** Builds a RangeSet from a list of code points (e.g. a cmap's keys). */
export function rangesFromCodePoints(cps: Iterable<number>): RangeSet {
  const sorted = [...cps].sort((a, b) => a - b);
  const pairs: [number, number][] = [];
  for (const cp of sorted) {
    const last = pairs[pairs.length - 1];
    if (last && cp <= last[1] + 1) last[1] = Math.max(last[1], cp);
    else pairs.push([cp, cp]);
  }
  return mergeRanges(pairs);
}

/** True when `cp` lies in one of the ranges. */
export function rangesHas(ranges: RangeSet, cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ranges[mid * 2]) hi = mid - 1;
    else if (cp > ranges[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}
