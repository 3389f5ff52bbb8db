/**
 * Renders one job item exactly as the HTTP API would (template fill or document validation, the
 * same canonical spec, the same worker pool), and sorts failures into what the engine does next:
 * a bad row fails with the API's error object, a deadline is a timeout (retried), a full queue
 * means "wait and try again" (never counted against the item).
 */
import type { PosterSpec } from '../../workers/protocol.js';
import { AppError } from '../errors.js';
import { canonicalizePoster, type PosterContext } from '../poster.js';
import type { RenderPool } from '../pool.js';
import type { TemplateStore } from '../templates.js';
import { sleep } from './job-lifecycle.js';
import { moveItem, type ItemError, type ItemRecord, type JobSource } from './job-model.js';

/** The outcome of one attempt. */
export type Attempt =
  | { readonly ok: true; readonly body: Buffer; readonly ext: string }
  | { readonly ok: false; readonly kind: 'failed' | 'timeout' | 'busy'; readonly error: ItemError };

/** What an engine does around the attempts at one row. */
export interface RetryHooks {
  /** Persists the row's state (rendering before each attempt, pending after a busy wait, timeout). */
  save(item: ItemRecord): Promise<void>;
  /** Called after a timeout that will be retried. */
  onTimeout?(): void;
  /** Checked before each attempt: false stops (job cancelled, engine closing). */
  keepGoing?(): Promise<boolean>;
}

/** How the attempts at a row ended: an image (item still `rendering`), or the `failed` item. */
export type RowOutcome = { readonly item: ItemRecord; readonly image: { readonly body: Buffer; readonly ext: string } | null };

/** Turns rows into images on the shared pool. */
export class ItemRenderer {
  constructor(private readonly ctx: PosterContext, private readonly templates: TemplateStore, private readonly pool: RenderPool, private readonly timeoutMs: number) {}

  /** The canonical poster for a row (throws the API's 4xx AppError for a bad row). */
  spec(source: JobSource, row: Record<string, unknown>): PosterSpec {
    const { filename: _name, ...rest } = row;
    if (source.kind === 'documents') return canonicalizePoster(rest, this.ctx);
    const t = this.templates.get(source.template);
    // No prototype: a `__proto__` key stays a key (and fill refuses it as unknown).
    const vars = Object.create(null) as Record<string, string | number>;
    for (const [k, v] of Object.entries(Object.hasOwn(t.variables, 'filename') ? row : rest)) {
      if (v === null || v === undefined || v === '') continue; // an empty CSV cell means "use the default"
      vars[k] = typeof v === 'number' ? v : String(v);
    }
    return this.templates.fill(t, vars, source.format);
  }

  /**
   * Renders a row until it has an image or fails: its spec is computed once (a bad row fails on
   * its first attempt), a timeout is retried up to `retries` times, a full queue is waited out
   * without counting. Resolves null when `keepGoing` said stop.
   */
  async renderWithRetries(item: ItemRecord, source: JobSource, row: Record<string, unknown>, retries: number, hooks: RetryHooks): Promise<RowOutcome | null> {
    const prepared = this.prepare(source, row);
    for (;;) {
      if (hooks.keepGoing && !(await hooks.keepGoing())) return null;
      item = moveItem(item, 'rendering', { attempts: item.attempts + 1 });
      await hooks.save(item);
      const a = prepared.ok ? await this.render(prepared.spec) : prepared;
      if (a.ok) return { item, image: { body: a.body, ext: a.ext } };
      if (a.kind === 'busy') {
        item = moveItem(item, 'pending', { attempts: item.attempts - 1 });
        await hooks.save(item);
        await sleep(100 + Math.random() * 200);
        continue;
      }
      if (a.kind === 'timeout' && item.attempts <= retries) {
        item = moveItem(item, 'timeout', { error: a.error });
        await hooks.save(item);
        hooks.onTimeout?.();
        continue;
      }
      return { item: moveItem(item, 'failed', { error: a.error }), image: null };
    }
  }

  /** A row's canonical spec, or the failed attempt a bad row is (computed once per row, before any attempt). */
  prepare(source: JobSource, row: Record<string, unknown>): { readonly ok: true; readonly spec: PosterSpec } | Extract<Attempt, { ok: false }> {
    try {
      return { ok: true, spec: this.spec(source, row) };
    } catch (err) {
      return failedAttempt(err);
    }
  }

  /** One attempt at rendering a row's spec. */
  async render(spec: PosterSpec, signal?: AbortSignal): Promise<Attempt> {
    try {
      const image = await this.pool.render(spec, signal, this.timeoutMs);
      return { ok: true, body: Buffer.from(image.body.buffer, image.body.byteOffset, image.body.byteLength), ext: spec.format };
    } catch (err) {
      return failedAttempt(err);
    }
  }
}

/** What a failure means for the row: the API's error for a bad row, a timeout (retried), a full queue (waited out). */
function failedAttempt(err: unknown): Extract<Attempt, { ok: false }> {
  if (!(err instanceof AppError)) return { ok: false, kind: 'failed', error: { code: 'internal_error', message: 'the renderer failed on this item' } };
  const error = err.toJSON().error;
  if (err.code === 'render_timeout') return { ok: false, kind: 'timeout', error };
  if (err.code === 'overloaded' || err.code === 'client_closed') return { ok: false, kind: 'busy', error };
  return { ok: false, kind: 'failed', error };
}
