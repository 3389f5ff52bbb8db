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
  private readonly inflight = new Map<string, { promise: Promise<RenderOk>; waiters: number; controller: AbortController }>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, v.body.byteLength) }) : null;
  }

  /** The cached image for `key` (counted as a hit), or undefined: lets a hit skip the cancellation plumbing. */
  peek(key: string): RenderOk | undefined {
    const hit = this.lru?.get(key);
    if (hit) this.hits++;
    return hit;
  }

  /**
   * Returns the cached image for `key`, joins an identical render in flight, or starts one.
   * `client` aborts when this caller's client goes away; a render whose callers have all gone is
   * aborted through the signal `render` receives.
   */
  async get(key: string, render: (signal: AbortSignal) => Promise<RenderOk>, client?: AbortSignal): Promise<CachedImage> {
    const hit = this.lru?.get(key);
    if (hit) {
      this.hits++;
      return { image: hit, source: 'cache' };
    }
    let entry = this.inflight.get(key);
    if (entry?.controller.signal.aborted) entry = undefined; // its callers left: start afresh
    const source = entry ? 'coalesced' : 'render';
    if (!entry) {
      const controller = new AbortController();
      const promise = render(controller.signal);
      const created = { promise, waiters: 0, controller };
      entry = created;
      this.inflight.set(key, created);
      // A miss is a render that produced the image: a refusal (503 overloaded), a failure or a
      // render every client left is not one.
      promise.then((image) => {
        this.misses++;
        this.lru?.set(key, image);
      }, () => {}).finally(() => {
        if (this.inflight.get(key) === created) this.inflight.delete(key);
      });
    }
    const joined = entry;
    joined.waiters++;
    client?.addEventListener('abort', () => {
      if (--joined.waiters === 0) joined.controller.abort();
    }, { once: true });
    return { image: await joined.promise, source };
  }

  /** Counters for observability. */
  stats(): { hits: number; misses: number; entries: number; bytes: number } {
    return { hits: this.hits, misses: this.misses, entries: this.lru?.size ?? 0, bytes: this.lru?.calculatedSize ?? 0 };
  }
}
