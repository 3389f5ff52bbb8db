/**
 * Turns every failure into the error answer `{"error":{"code","message","param"}}` with
 * `Cache-Control: no-store`, the security headers and `Vary: Accept` (a client that prefers an
 * image gets the error drawn as a PNG instead): schema violations become 400s naming the
 * parameter, AppErrors keep their status, Fastify's own errors (bad JSON, 413, 414, 415, bad
 * URL encoding) get our codes, anything else is a logged 500 with a generic message. Errors are
 * never cached. Requests Node's HTTP parser refuses are answered in client-errors.ts.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { prefersImage } from './accept.js';
import { COLOR_FORMS } from './colors.js';
import { errorImage } from './error-image.js';
import { AppError, badParam, type ErrorCode } from './errors.js';
import { BG_FORMS, unknownFormat } from './params.js';
import { SECURITY_HEADERS } from './security-headers.js';

interface AjvError { keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }

/** Maps the first schema error of a request to an AppError. */
export function fromValidation(errors: AjvError[], context: string | undefined): AppError {
  const e = errors[0];
  const param = (e.params.missingProperty as string) ?? (e.params.additionalProperty as string) ?? e.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  if (context === 'params') return unknownFormat();
  if ((param === 'w' || param === 'h') && ['type', 'const', 'anyOf'].includes(e.keyword)) return badParam('invalid_parameter', param, `${param} must be an integer or auto`);
  switch (e.keyword) {
    case 'required':
      return badParam('missing_parameter', param, `${param} is required`);
    case 'additionalProperties':
      return badParam('unknown_parameter', param, `unknown parameter "${param.slice(0, 40)}"`);
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return badParam('out_of_range', param, `${param} ${e.message ?? 'is out of range'}`);
    case 'maxLength':
      return param === 'text' ? badParam('text_too_long', param, `text ${e.message}`) : badParam('invalid_parameter', param, `${param} ${e.message}`);
    case 'pattern':
      if (param === 'sig') return AppError.of('invalid_signature', 'sig is not a valid signature', 'sig');
      return badParam('invalid_parameter', param, `${param} has an invalid format`);
    case 'format':
      return badParam('invalid_color', param, `${param} must be ${e.params.format === 'color-list' ? BG_FORMS : e.params.format === 'badge-color' ? `a shields.io colour name (brightgreen, red = #e05d44…) or ${COLOR_FORMS}` : COLOR_FORMS}`);
    case 'enum':
      return badParam('invalid_parameter', param, `${param} must be one of ${(e.params.allowedValues as string[]).join(', ')}`);
    case 'type':
      return badParam('invalid_parameter', param, `${param} must be a single ${String(e.params.type)}`);
    default:
      return badParam('invalid_parameter', param, `${param} ${e.message ?? 'is invalid'}`);
  }
}

/** Our code for a 4xx status Fastify or a plugin answered without one of ours. */
const CODE_FOR_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'not_found', 408: 'request_timeout', 413: 'payload_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type', 431: 'headers_too_large',
};

/** Maps any error thrown while handling a request (ours, schema, Fastify's) to an AppError; null for an unexpected failure (a 500). */
export function toAppError(err: FastifyError, req: FastifyRequest): AppError | null {
  if (err instanceof AppError) return err;
  if (err.validation) return fromValidation(err.validation as unknown as AjvError[], err.validationContext);
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = String(req.headers['content-type'] ?? '').slice(0, 60);
      return AppError.of('unsupported_media_type', type ? `Content-Type "${type}" is not accepted here; send application/json` : 'a body needs a Content-Type; send application/json', 'content-type');
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return AppError.of('payload_too_large', `the body is larger than this route's limit of ${req.routeOptions.bodyLimit ?? 'the'} bytes`, 'body');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return AppError.of('bad_request', 'the body size does not match Content-Length', 'content-length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return AppError.of('invalid_json', 'the body is empty but Content-Type says application/json', 'body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return AppError.of('invalid_json', 'the body is not valid JSON', 'body');
    case 'FST_ERR_BAD_URL':
      return AppError.of('invalid_url', 'the URL path has an invalid percent-encoding (a % must be followed by two hex digits of UTF-8)', 'url');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return AppError.of('uri_too_long', 'a path segment of the URL is too long', 'url');
    default:
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return AppError.fromFrameworkStatus(CODE_FOR_STATUS[status] ?? 'bad_request', status, err.message.slice(0, 200));
  return null;
}

/**
 * Sends `err` as the error answer: the PNG drawing when the client prefers an image (an `<img>`),
 * else the JSON body; always `no-store`, `Vary: Accept`, the security headers and the request id.
 */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  req.errorCode = err.code;
  reply.removeHeader('ETag');
  reply.removeHeader('Content-Length');
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  reply.header('x-request-id', req.id).header('Cache-Control', 'no-store').header('Vary', 'Accept');
  if (err.retryAfter) reply.header('Retry-After', String(err.retryAfter));
  reply.status(err.status);
  // Only GET/HEAD: an <img> never POSTs, and an API client asking for an image keeps its JSON error.
  if ((req.method === 'GET' || req.method === 'HEAD') && prefersImage(req.headers.accept)) {
    const png = errorImage(err, !(req.server as FastifyInstance & { signedUrlsOnly?: boolean }).signedUrlsOnly);
    if (png) return reply.type('image/png').send(png);
  }
  return reply.type('application/json; charset=utf-8').send(err.toJSON());
}

/**
 * Fastify's `frameworkErrors` option: errors found while routing (a bad percent-encoding, a path
 * segment past maxParamLength), answered like any other error.
 */
export function frameworkErrorHandler(
  onRejected: (code: string) => void,
  /** Called once the answer is sent (Fastify runs no onResponse hook for these). */
  onAnswered: (req: FastifyRequest, reply: FastifyReply) => void,
): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const appErr = toAppError(err, req) ?? AppError.of('internal_error', 'internal error');
    onRejected(appErr.code);
    reply.raw.once('finish', () => onAnswered(req, reply));
    void sendError(req, reply, appErr);
  };
}

/** Installs the error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance, onRejected: (code: string) => void = () => {}): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    let appErr = toAppError(err, req);
    if (!appErr) {
      req.log.error({ err }, 'unhandled error');
      appErr = AppError.of('internal_error', 'internal error');
    }
    onRejected(appErr.code);
    return sendError(req, reply, appErr);
  });
  app.setNotFoundHandler((req, reply) => {
    onRejected('not_found');
    return sendError(req, reply, AppError.of('not_found', `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}`));
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error code answered, for the request log. */
    errorCode?: string;
  }
}
