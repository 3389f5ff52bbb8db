/**
 * Typed errors with stable codes, like Fastify's lib/errors.js: ERRORS defines every code once,
 * with its HTTP status and Retry-After default. An AppError carries its code, status, a public
 * message (safe to show) and the offending parameter, and becomes
 * `{"error":{"code","message","param"}}` on the wire (error-handler.ts sends it).
 */

/** What the API answers for one code: its HTTP status and, where the client should retry, Retry-After. */
export interface ErrorDef {
  readonly status: number;
  /** Present when the answer carries `Retry-After`: the default seconds (a call site may name others). */
  readonly retryAfter?: number;
}

/**
 * Every error code of the public API, defined once: its status and whether it carries
 * Retry-After (with the default seconds). Call sites name the code (`AppError.of`), never a status.
 */
export const ERRORS = {
  // A bad request parameter, query or document (`param` names it).
  missing_parameter: { status: 400 }, unknown_parameter: { status: 400 }, invalid_parameter: { status: 400 },
  out_of_range: { status: 400 }, invalid_color: { status: 400 }, unknown_font: { status: 400 }, unknown_format: { status: 400 },
  text_too_long: { status: 400 }, too_many_pixels: { status: 400 }, invalid_image: { status: 400 }, unknown_asset: { status: 400 },
  remote_image: { status: 400 }, too_many_layers: { status: 400 }, invalid_document: { status: 400 },
  /** A render the worker refused: past a configured limit (size, text, layers) it re-checks. */
  limit_exceeded: { status: 400 },
  unknown_template: { status: 404 },
  // Batch jobs.
  idempotency_conflict: { status: 409 }, too_many_jobs: { status: 429, retryAfter: 5 }, jobs_unavailable: { status: 503, retryAfter: 5 },
  job_not_found: { status: 404 }, item_not_ready: { status: 404 }, insufficient_storage: { status: 507, retryAfter: 30 },
  // Access, load and rendering.
  invalid_signature: { status: 403 }, rate_limited: { status: 429, retryAfter: 1 }, not_found: { status: 404 },
  overloaded: { status: 503, retryAfter: 1 }, render_timeout: { status: 503, retryAfter: 1 }, render_failed: { status: 500 },
  client_closed: { status: 499 }, internal_error: { status: 500 },
  // Refused before a route runs: by Node's HTTP parser or by Fastify.
  invalid_url: { status: 400 }, bad_request: { status: 400 }, invalid_json: { status: 400 }, request_timeout: { status: 408 },
  payload_too_large: { status: 413 }, uri_too_long: { status: 414 }, unsupported_media_type: { status: 415 },
  headers_too_large: { status: 431 }, expectation_failed: { status: 417 },
  // A request that arrives while the server drains for shutdown.
  shutting_down: { status: 503, retryAfter: 1 },
} as const satisfies Record<string, ErrorDef>;

/** Stable error codes of the public API. */
export type ErrorCode = keyof typeof ERRORS;

/** Every error code, in table order. */
export const ERROR_CODES = Object.keys(ERRORS) as readonly ErrorCode[];

/** The definition of a code (status, Retry-After default). */
export function errorDef(code: ErrorCode): ErrorDef {
  return ERRORS[code];
}

/** Statuses whose answers carry `Retry-After` (every code with that status has a default). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set(ERROR_CODES.map(errorDef).filter((d) => d.retryAfter !== undefined).map((d) => d.status));

/** An error the API answers with a JSON body. */
export class AppError extends Error {
  private constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly param?: string,
    /** Seconds, for answers that carry Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /**
   * An error with the status the table gives its code, and (for codes that carry Retry-After)
   * `retryAfter` seconds, by default the table's.
   */
  static of(code: ErrorCode, message: string, param?: string, retryAfter?: number): AppError {
    const def = errorDef(code);
    return new AppError(code, def.status, message, param, def.retryAfter === undefined ? undefined : retryAfter ?? def.retryAfter);
  }

  /**
   * A 4xx the framework or a plugin answered with a status of its own, under our nearest code
   * (the status is kept as it was: a client sees what Fastify decided).
   */
  static fromFrameworkStatus(code: ErrorCode, status: number, message: string): AppError {
    return new AppError(code, status, message);
  }

  /** The JSON body sent to clients. */
  toJSON(): { error: { code: string; message: string; param?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.param ? { param: this.param } : {}) } };
  }
}

/** 503 `jobs_unavailable`: the job engine (or the Redis behind it) cannot answer now; retry after `retryAfter` s. */
export function jobsUnavailable(message: string, retryAfter?: number): AppError {
  return AppError.of('jobs_unavailable', message, undefined, retryAfter);
}

/** 507 `insufficient_storage`: the disk (DATA_DIR / RESULTS_DIR) is full or refuses writes; retry later. */
export function insufficientStorage(message = 'the server has no room to store this job; retry later'): AppError {
  return AppError.of('insufficient_storage', message);
}

/** A 4xx naming the request parameter (or document pointer) at fault. */
export function badParam(code: ErrorCode, param: string, message: string): AppError {
  return AppError.of(code, message, param);
}
