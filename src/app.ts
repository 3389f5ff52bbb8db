/**
 * Builds the Fastify application: logging, OpenAPI, error handling, the worker pool and routes.
 * `buildApp` is what the server and the tests start; closing the app closes the pool.
 */
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { FontCatalog } from '../workers/protocol.js';
import { loadFontCatalog } from './font-catalog.js';
import type { Config } from './config.js';
import { PROJECT_ROOT } from './config.js';
import { addColorFormats } from './colors.js';
import { clientErrorHandler, expectationHandler } from './client-errors.js';
import { frameworkErrorHandler, installErrorHandlers, sendError } from './error-handler.js';
import { initErrorImages } from './error-image.js';
import { AppError } from './errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);
import { installJsonParser } from './json-body.js';
import { checkQueryNumbers, parseStrictQuery, queryError } from './query-string.js';
import { createMetrics, type Metrics } from './metrics.js';
import { ImageCache } from './image-cache.js';
import { RenderPool } from './pool.js';
import { metaRoutes } from './routes/meta.js';
import { registerOpenApi } from './openapi.js';
import { renderRoutes } from './routes/render.js';
import { badgeRoutes } from './routes/badge.js';
import { placeholderRoutes } from './routes/placeholder.js';
import { posterRoutes } from './routes/poster.js';
import { AssetCatalog } from './assets.js';
import { TemplateStore } from './templates.js';
import { createEngine } from './jobs/create-engine.js';
import type { JobEngine } from './jobs/engine.js';
import { EngineSupervisor } from './jobs/engine-supervisor.js';
import { ItemRenderer } from './jobs/item-renderer.js';
import { jobRoutes } from './routes/jobs.js';
import { playgroundRoutes } from './routes/playground.js';
import { signRoutes } from './routes/sign.js';
import { createLogSink, type LogSink } from './logging.js';

/** Options for tests: skip warming to check start-up behaviour, or inject a logger stream. */
export interface BuildOptions {
  readonly warm?: boolean;
  readonly logStream?: NodeJS.WritableStream;
  /** The log destination (the server's); by default a new bounded sink on stdout. */
  readonly logSink?: LogSink;
  /** false: do not start the job engine (no job resumes). */
  readonly jobs?: boolean;
}

/** The app plus the parts tests and the server look at. */
export interface LetterpressApp {
  readonly app: FastifyInstance;
  readonly pool: RenderPool;
  readonly catalog: FontCatalog;
  readonly cache: ImageCache;
  /** Resolves when every worker is warm. */
  readonly warmed: Promise<void>;
  readonly metrics: Metrics;
  readonly assets: AssetCatalog;
  readonly templates: TemplateStore;
  readonly engine: JobEngine;
  /** Where the logs go; counts lines dropped while the reader stalled. */
  readonly logSink: LogSink;
  /** Starts the job engine and retries until it runs. */
  readonly jobs: EngineSupervisor;
}

/** The request's metrics and its one log line (id, route, status, duration, error code, render info). */
function requestLogger(metrics: () => Metrics | null): (req: FastifyRequest, reply: FastifyReply, route?: string) => void {
  return (req, reply, route = req.routeOptions.url ?? 'not_found') => {
    metrics()?.requests.inc({ route, status: reply.statusCode, format: req.renderInfo?.format ?? '' });
    if (reply.statusCode === 304) metrics()?.notModified.inc();
    req.log.info({
      route, method: req.method, status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100, ...(req.errorCode ? { error: req.errorCode } : {}), ...(req.renderInfo ?? {}),
    }, 'request');
  };
}

/** Creates the app (not listening). */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<LetterpressApp> {
  const logSink = opts.logSink ?? createLogSink(config);
  // Refusals counted before the metrics exist (the handlers are server options) are dropped.
  let metricsRef: Metrics | null = null;
  const rejected = (code: string): void => metricsRef?.rejected.inc({ reason: code });
  const logRequest = requestLogger(() => metricsRef);
  /** A request refused before any route (Node's parser, an Expect header): counted as refused and as a client error. */
  const reportClientError = (status: number, code: string): void => {
    rejected(code);
    metricsRef?.requests.inc({ route: 'client_error', status, format: '' });
  };
  const app: FastifyInstance = Fastify({
    logger: { level: config.logLevel, stream: opts.logStream ?? logSink },
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // Requests that arrive while draining get our own 503 (below), not Fastify's bare one.
    return503OnClosing: false,
    genReqId: () => randomUUID(),
    // Routes that take a body set their own limit; every other route reads at most 64 KB.
    bodyLimit: 64 * 1024,
    // Requests Node's parser refuses, and errors while routing, get our error answer too.
    clientErrorHandler: clientErrorHandler((): FastifyBaseLogger => app.log, reportClientError, config.signingKeys.length === 0),
    frameworkErrors: frameworkErrorHandler(rejected, (req, reply) => logRequest(req, reply, 'framework_error')) as FastifyServerOptions['frameworkErrors'],
    // Badge paths carry their label and message (percent-encoded); longer paths answer 414.
    routerOptions: { maxParamLength: 4096, querystringParser: parseStrictQuery },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: false, allErrors: false }, plugins: [addColorFormats] },
  });
  // An Expect header Node cannot meet: our 417 instead of Node's bare one.
  app.server.on('checkExpectation', expectationHandler((): FastifyBaseLogger => app.log, reportClientError));
  const catalog = loadFontCatalog({ dirs: config.fontDirs, packageRoot: PROJECT_ROOT, fallback: config.fallbackFonts });
  for (const s of catalog.skipped) app.log.warn({ file: s.file, reason: s.reason }, 'font skipped');
  app.log.info({ faces: catalog.faces.length, families: catalog.families.length, version: catalog.version }, 'fonts catalogued');
  const assets = new AssetCatalog(config.assetDirs);
  for (const s of assets.skipped) app.log.warn(s, 'asset skipped');
  const templates = new TemplateStore(config.templateDirs, { config, catalog, assets });
  for (const s of templates.skipped) app.log.error(s, 'template skipped');
  app.log.info({ assets: assets.list().length, templates: templates.list().length }, 'assets and templates loaded');
  // Before the pool starts: the error-image face is registered while no worker is loading fonts.
  if (!initErrorImages(catalog)) app.log.warn('no font covers Latin: errors are answered as JSON only');
  const pool = new RenderPool(config, catalog);
  const cache = new ImageCache(config.imageCacheBytes);
  const metrics = createMetrics(pool, cache, () => logSink.dropped);
  metricsRef = metrics;

  await registerOpenApi(app, '0.1.0');
  // With SIGNING_KEYS, error images never quote the request (see errorImage).
  app.decorate('signedUrlsOnly', config.signingKeys.length > 0);
  installErrorHandlers(app, rejected);
  if (config.rateLimitMax > 0) {
    // Per client IP on the render route only; answers 429 with Retry-After and RateLimit-* headers.
    await app.register(rateLimit, {
      global: false,
      enableDraftSpec: true,
      errorResponseBuilder: (_req, ctx) =>
        AppError.of('rate_limited', `rate limit of ${ctx.max} renders per ${ctx.after} exceeded`, undefined, Math.max(1, Math.ceil(ctx.ttl / 1000))),
    });
  }
  // While draining, answer in-flight requests with Connection: close so keep-alive sockets do
  // not hold the server open after their last response.
  let draining = false;
  // One callback-style hook for every request (no promise per hook on the hot path): the request
  // id and the security headers on every response (the playground and /docs replace the CSP
  // with their own same-origin one: routes/playground.ts, src/openapi.ts); malformed
  // percent-encoding or invalid UTF-8 anywhere in the query is 400 naming the parameter; while
  // draining, 503 shutting_down.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    for (const [name, value] of SECURITY_HEADER_ENTRIES) reply.header(name, value);
    const bad = queryError(req.query);
    if (bad) return done(bad);
    if (draining) {
      sendError(req, reply, AppError.of('shutting_down', 'the server is shutting down; retry shortly'));
      return;
    }
    done();
  });
  // Numbers in the query have one spelling, checked before the schema's type coercion reads them.
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      checkQueryNumbers(req.routeOptions.schema?.querystring, req.query);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
  installJsonParser(app);
  app.addHook('onResponse', (req, reply, done) => {
    logRequest(req, reply);
    done();
  });
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (draining) reply.header('Connection', 'close');
    done(null, payload);
  });
  renderRoutes(app, { config, catalog, pool, cache, metrics });
  badgeRoutes(app, { config, catalog, pool, cache, metrics });
  placeholderRoutes(app, { config, catalog, pool, cache, metrics });
  posterRoutes(app, { config, catalog, assets, templates, pool, cache, metrics });
  const renderer = new ItemRenderer({ config, catalog, assets }, templates, pool, config.jobItemTimeoutMs);
  const engine: JobEngine = await createEngine(config, renderer, app.log);
  // Shutdown order: preClose hooks run first, in order: the job engine stops (rows in flight
  // finish, the rest stay pending for the next start), then event streams get a final status and
  // end; then Fastify drains HTTP; then (onClose) the pool closes.
  const jobs = new EngineSupervisor(engine, app.log);
  app.addHook('preClose', async () => {
    jobs.stop(); // no more start attempts
    await engine.close();
  });
  jobRoutes(app, { config, templates, engine });
  engine.on('item', (outcome: string) => metrics.jobItems.inc({ outcome }));
  app.addHook('onClose', async () => pool.close());

  metaRoutes(app, { catalog, pool, cache, metrics, jobs: () => (opts.jobs === false ? null : jobs.unavailable()) });
  signRoutes(app, { config, catalog, templates });
  playgroundRoutes(app, { config });

  const warmed = opts.warm === false ? new Promise<void>(() => {}) : pool.warm().then(async (results) => {
    const failed = results[0]?.failed ?? [];
    for (const f of failed) app.log.warn(f, 'font failed to load in Skia; skipped');
    app.log.info({ threads: results.length, faces: results[0]?.faces }, 'worker pool warm');
    if (opts.jobs === false || draining) return; // closing before the pool was warm: no engine to start
    await jobs.start(); // resume unfinished jobs once renders can run; retried until it succeeds
  }, (err: Error) => {
    // Stay up so /readyz can say why; /healthz stays 503.
    app.log.error({ err }, 'worker pool failed to start');
  });
  return { app, pool, catalog, cache, warmed, metrics, assets, templates, engine, logSink, jobs };
}
