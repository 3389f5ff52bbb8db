/**
 * Turns every failure into the JSON error body with `Cache-Control: no-store`: schema
 * violations become 400s naming the parameter, AppErrors keep their status, anything else is a
 * logged 500 with a generic message. Errors are never cached.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COLOR_FORMS } from './colors.js';
import { AppError, badParam } from './errors.js';
import { BG_FORMS } from './params.js';

interface AjvError { keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }

/** Maps the first schema error of a request to an AppError. */
export function fromValidation(errors: AjvError[], context: string | undefined): AppError {
  const e = errors[0];
  const param = (e.params.missingProperty as string) ?? (e.params.additionalProperty as string) ?? e.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  if (context === 'params') return badParam('unknown_format', 'format', 'format must be one of png, jpg, jpeg, webp');
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
      if (param === 'sig') return new AppError('invalid_signature', 403, 'sig is not a valid signature', 'sig');
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

/** Installs the error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance, onRejected: (code: string) => void = () => {}): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if (err.validation) appErr = fromValidation(err.validation as unknown as AjvError[], err.validationContext);
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) appErr = new AppError('invalid_parameter', err.statusCode, err.message);
    else {
      req.log.error({ err }, 'unhandled error');
      appErr = new AppError('internal_error', 500, 'internal error');
    }
    onRejected(appErr.code);
    if (appErr.retryAfter) reply.header('Retry-After', String(appErr.retryAfter));
    void reply.status(appErr.status).header('Cache-Control', 'no-store').type('application/json; charset=utf-8').send(appErr.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).header('Cache-Control', 'no-store').send(new AppError('not_found', 404, `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}`).toJSON());
  });
}
