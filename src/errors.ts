/**
 * Typed errors with stable codes. Each carries its HTTP status, a public message (safe to show)
 * and the offending parameter, and becomes `{"error":{"code","message","param"}}` on the wire.
 */

/** Stable error codes of the public API. */
export type ErrorCode =
  | 'missing_parameter' | 'unknown_parameter' | 'invalid_parameter' | 'out_of_range'
  | 'invalid_color' | 'unknown_font' | 'unknown_format' | 'text_too_long' | 'too_many_pixels'
  | 'invalid_image' | 'unknown_asset' | 'remote_image' | 'unknown_template' | 'too_many_layers' | 'invalid_document'
  | 'idempotency_conflict' | 'too_many_jobs' | 'jobs_unavailable' | 'job_not_found' | 'item_not_ready'
  | 'invalid_signature' | 'rate_limited' | 'not_found' | 'overloaded' | 'render_timeout' | 'render_failed' | 'client_closed' | 'internal_error';

/** An error the API answers with a JSON body. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly param?: string,
    /** Seconds, for 503 answers. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** The JSON body sent to clients. */
  toJSON(): { error: { code: string; message: string; param?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.param ? { param: this.param } : {}) } };
  }
}

/** 400 for a request parameter. */
export function badParam(code: ErrorCode, param: string, message: string): AppError {
  return new AppError(code, 400, message, param);
}
