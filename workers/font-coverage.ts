/**
 * Which code points a face really has a glyph for: its declared range (CSS `unicode-range`, for
 * subsets) intersected with its cmap, read lazily the first time a face is asked about and kept
 * in a bounded LRU. Fallback decides by this, never by a declared range alone: a subset's
 * `unicode-range` often claims characters the subset file has no glyph for.
 */
import { LRUCache } from 'lru-cache';
import type { FaceInfo, RangeSet } from './protocol.js';
import { readCoverage } from './font-tables.js';
import { rangesHas } from './unicode-ranges.js';

/** Counters of a coverage cache (cmaps read, cache hits, files that could not be read). */
export interface CoverageStats { readonly reads: number; readonly hits: number; readonly errors: number; readonly entries: number }

/** A per-thread cache of face cmaps; `has` answers whether a face can draw a code point. */
export class FaceCoverage {
  private readonly cmaps: LRUCache<string, RangeSet>;
  private reads = 0;
  private hits = 0;
  private errors = 0;

  constructor(max = 4096) {
    this.cmaps = new LRUCache({ max });
  }

  /** The face's cmap coverage (read once, then cached); empty when the file cannot be read. */
  cmap(face: FaceInfo): RangeSet {
    let set = this.cmaps.get(face.cmapFile);
    if (set) {
      this.hits++;
      return set;
    }
    this.reads++;
    try {
      set = readCoverage(face.cmapFile);
    } catch {
      this.errors++;
      set = [];
    }
    this.cmaps.set(face.cmapFile, set);
    return set;
  }

  /** True when `face` maps `cp` to a real glyph (declared range first: it is free to test). */
  has(face: FaceInfo, cp: number): boolean {
    if (!rangesHas(face.ranges, cp)) return false;
    return face.exact || rangesHas(this.cmap(face), cp);
  }

  /** Text to measure a face's vertical metrics with: `Hg` when it has both, else its first visible character. */
  sample(face: FaceInfo): string {
    if (this.has(face, 0x48) && this.has(face, 0x67)) return 'Hg';
    const cmap = face.exact ? face.ranges : this.cmap(face);
    for (let i = 0; i < cmap.length; i += 2) {
      for (let cp = Math.max(cmap[i], 0x21); cp <= cmap[i + 1] && cp < cmap[i] + 4096; cp++) {
        if (this.has(face, cp) && !/[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Z}\p{M}]/u.test(String.fromCodePoint(cp))) return String.fromCodePoint(cp);
      }
    }
    return 'Hg';
  }

  /** Counters for logs and tests. */
  stats(): CoverageStats {
    return { reads: this.reads, hits: this.hits, errors: this.errors, entries: this.cmaps.size };
  }
}
