/**
 * Typed errors with stable codes. Each carries its HTTP status, a public message (safe to show)
 * and the offending parameter, and becomes `{"error":{"code","message","param"}}` on the wire.
 */

/** Stable error codes of the public API. */
export type ErrorCode =
  | 'missing_parameter' | 'unknown_parameter' | 'invalid_parameter' | 'out_of_range'
  | 'invalid_color' | 'unknown_font' | 'unknown_format' | 'text_too_long' | 'too_many_pixels'
  | 'invalid_image' | 'unknown_asset' | 'remote_image' | 'unknown_template' | 'too_many_layers' | 'invalid_document'
  | 'idempotency_conflict' | 'too_many_jobs' | 'jobs_unavailable' | 'job_not_found' | 'item_not_ready' | 'insufficient_storage'
  | 'invalid_signature' | 'rate_limited' | 'not_found' | 'overloaded' | 'render_timeout' | 'render_failed' | 'client_closed' | 'internal_error'
  | 'invalid_url' | 'bad_request' | 'invalid_json' | 'request_timeout' | 'payload_too_large' | 'uri_too_long'
  | 'unsupported_media_type' | 'headers_too_large' | 'shutting_down' | 'expectation_failed';

/** The HTTP status of each code (AppError.of uses it; a few codes also appear with the status written out). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  missing_parameter: 400, unknown_parameter: 400, invalid_parameter: 400, out_of_range: 400, invalid_color: 400,
  unknown_font: 400, unknown_format: 400, text_too_long: 400, too_many_pixels: 400, invalid_image: 400,
  unknown_asset: 400, remote_image: 400, unknown_template: 404, too_many_layers: 400, invalid_document: 400,
  idempotency_conflict: 409, too_many_jobs: 429, jobs_unavailable: 503, job_not_found: 404, item_not_ready: 404, insufficient_storage: 507,
  invalid_signature: 403, rate_limited: 429, not_found: 404, overloaded: 503, render_timeout: 503,
  render_failed: 500, client_closed: 499, internal_error: 500,
  // Refused before a route runs: by Node's HTTP parser or by Fastify.
  invalid_url: 400, bad_request: 400, invalid_json: 400, request_timeout: 408, payload_too_large: 413,
  uri_too_long: 414, unsupported_media_type: 415, headers_too_large: 431, expectation_failed: 417,
  // A request that arrives while the server drains for shutdown.
  shutting_down: 503,
};

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

  /** An error with the status ERROR_STATUS gives its code. */
  static of(code: ErrorCode, message: string, param?: string, retryAfter?: number): AppError {
    return new AppError(code, ERROR_STATUS[code], message, param, retryAfter);
  }

  /** The JSON body sent to clients. */
  toJSON(): { error: { code: string; message: string; param?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.param ? { param: this.param } : {}) } };
  }
}

/** 503 `jobs_unavailable`: the job engine (or the Redis behind it) cannot answer now; retry after `retryAfter` s. */
export function jobsUnavailable(message: string, retryAfter = 5): AppError {
  return AppError.of('jobs_unavailable', message, undefined, retryAfter);
}

/** 507 `insufficient_storage`: the disk (DATA_DIR / RESULTS_DIR) is full or refuses writes; retry later. */
export function insufficientStorage(message = 'the server has no room to store this job; retry later', retryAfter = 30): AppError {
  return AppError.of('insufficient_storage', message, undefined, retryAfter);
}

/** 400 for a request parameter. */
export function badParam(code: ErrorCode, param: string, message: string): AppError {
  return new AppError(code, 400, message, param);
}
