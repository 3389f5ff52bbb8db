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
import type { ItemError, JobSource } from './job-model.js';

/** The outcome of one attempt. */
export type Attempt =
  | { readonly ok: true; readonly body: Buffer; readonly ext: string }
  | { readonly ok: false; readonly kind: 'failed' | 'timeout' | 'busy'; readonly error: ItemError };

/** Turns rows into images on the shared pool. */
export class ItemRenderer {
  constructor(private readonly ctx: PosterContext, private readonly templates: TemplateStore, private readonly pool: RenderPool, private readonly timeoutMs: number) {}

  /** The canonical poster for a row (throws the API's 4xx AppError for a bad row). */
  spec(source: JobSource, row: Record<string, unknown>): PosterSpec {
    const { filename: _name, ...rest } = row;
    if (source.kind === 'documents') return canonicalizePoster(rest, this.ctx);
    const t = this.templates.get(source.template);
    const vars: Record<string, string | number> = {};
    for (const [k, v] of Object.entries('filename' in t.variables ? row : rest)) {
      if (v === null || v === undefined || v === '') continue; // an empty CSV cell means "use the default"
      vars[k] = typeof v === 'number' ? v : String(v);
    }
    return this.templates.fill(t, vars, source.format);
  }

  /** One attempt at rendering a row. */
  async attempt(source: JobSource, row: Record<string, unknown>, signal?: AbortSignal): Promise<Attempt> {
    try {
      const spec = this.spec(source, row);
      const image = await this.pool.renderPoster(spec, signal, this.timeoutMs);
      return { ok: true, body: Buffer.from(image.body.buffer, image.body.byteOffset, image.body.byteLength), ext: spec.format };
    } catch (err) {
      if (!(err instanceof AppError)) return { ok: false, kind: 'failed', error: { code: 'internal_error', message: 'the renderer failed on this item' } };
      const error = err.toJSON().error;
      if (err.code === 'render_timeout') return { ok: false, kind: 'timeout', error };
      if (err.code === 'overloaded' || err.code === 'client_closed') return { ok: false, kind: 'busy', error };
      return { ok: false, kind: 'failed', error };
    }
  }
}
