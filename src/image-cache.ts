/**
 * Encoded images by ETag: a byte-bounded LRU for URLs requested again, and coalescing so
 * identical requests in flight at the same time are rendered once.
 */
import { LRUCache } from 'lru-cache';
import type { RenderOk } from '../workers/protocol.js';

/** How a response body was obtained (logged per request). */
export type Source = 'render' | 'cache' | 'coalesced';

/** A rendered image and how it was obtained. */
export interface CachedImage { readonly image: RenderOk; readonly source: Source }

/** The cache; `maxBytes` 0 keeps only coalescing. */
export class ImageCache {
  private readonly lru: LRUCache<string, RenderOk> | null;
  private readonly inflight = new Map<string, Promise<RenderOk>>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, v.body.byteLength) }) : null;
  }

  /** Returns the cached image for `key`, joins an identical render in flight, or starts one. */
  async get(key: string, render: () => Promise<RenderOk>): Promise<CachedImage> {
    const hit = this.lru?.get(key);
    if (hit) {
      this.hits++;
      return { image: hit, source: 'cache' };
    }
    const pending = this.inflight.get(key);
    if (pending) return { image: await pending, source: 'coalesced' };
    this.misses++;
    const p = render();
    this.inflight.set(key, p);
    try {
      const image = await p;
      this.lru?.set(key, image);
      return { image, source: 'render' };
    } finally {
      this.inflight.delete(key);
    }
  }

  /** Counters for observability. */
  stats(): { hits: number; misses: number; entries: number; bytes: number } {
    return { hits: this.hits, misses: this.misses, entries: this.lru?.size ?? 0, bytes: this.lru?.calculatedSize ?? 0 };
  }
}
