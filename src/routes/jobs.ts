/**
 * Batch jobs over HTTP: `POST /jobs` (JSON, NDJSON or CSV; `Idempotency-Key`), `GET /jobs/{id}`,
 * `GET /jobs/{id}/events` (server-sent events), `GET /jobs/{id}/results.zip`,
 * `GET /jobs/{id}/items/{row}` and `DELETE /jobs/{id}`. The engine behind them is embedded or
 * Redis-backed; both answer the same way.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { canonicalFormat } from '../../workers/protocol.js';
import { contentDisposition } from '../content-disposition.js';
import { AppError, badParam } from '../errors.js';
import { CONTENT_TYPES } from '../image-reply.js';
import type { JobEngine } from '../jobs/engine.js';
import { fromCsv, fromJson, fromNdjson, type JobSubmission } from '../jobs/job-input.js';
import { isFinished } from '../jobs/job-model.js';
import { jobNames, resultsZip } from '../jobs/results-zip.js';
import { describeRoute, jsonResponse, type ErrorSpec } from '../openapi.js';
import { requireBearer } from '../signing.js';
import type { TemplateStore } from '../templates.js';

/**
 * The query of POST /jobs: what NDJSON and CSV bodies take there (a JSON body carries them itself).
 * Anything else is 400 `unknown_parameter`; a repeated name (an array) is 400 naming it.
 */
const JOBS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    template: { type: 'string', description: 'template whose variables the rows fill (NDJSON, CSV)' },
    format: { type: 'string', description: 'png, jpg, jpeg or webp (default: the template\'s)' },
    webhook: { type: 'string', description: 'URL told when the job ends (host in WEBHOOK_HOSTS)' },
  },
} as const;

const ID = { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'Job id (from POST /jobs).' } } } as const;
const NOT_FOUND: ErrorSpec = [404, '`job_not_found` (never existed, or expired).'];
const UNAVAILABLE: ErrorSpec = [503, '`jobs_unavailable`: the job engine is not running here, or Redis does not answer; retry after `Retry-After` seconds.'];
const FORBIDDEN: ErrorSpec = [403, '`invalid_signature`: with SIGNING_KEYS set, `Authorization: Bearer <key>` is missing or wrong.'];
const JOB_STATUS = {
  type: 'object', additionalProperties: true,
  description: '`id`, `state`, `counts` per item state, `progress`, `rate`, `etaSeconds`, timestamps, `expiresAt` and the first `errors`.',
  properties: { id: { type: 'string' }, state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] } },
};

/** Registers the job routes. */
export function jobRoutes(app: FastifyInstance, deps: { config: Config; templates: TemplateStore; engine: JobEngine }): void {
  const { config, templates, engine } = deps;
  const limits = { maxItems: config.jobMaxItems, webhookHosts: config.webhookHosts };
  // No limit of their own: POST /jobs sets JOB_MAX_BODY_MB, every other route keeps the app's 64 KB.
  for (const type of ['application/x-ndjson', 'application/ndjson', 'text/csv']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }
  // With SIGNING_KEYS every job route needs the bearer key, checked before any body is read.
  const onRequest = requireBearer(config.signingKeys);

  app.post<{ Querystring: Record<string, string> }>('/jobs', {
    bodyLimit: config.jobMaxBodyBytes,
    onRequest,
    schema: {
      ...describeRoute({
        id: 'submitJob', tag: 'jobs', summary: 'Submit a batch job (JSON {template, rows} or {documents}, NDJSON, or CSV with ?template=)', auth: 'bearer',
        description: 'Rows are stored before the answer. The same `Idempotency-Key` with the same body returns the same job (`Idempotent-Replayed: true`); with another body, 409. With SIGNING_KEYS set, needs `Authorization: Bearer`.',
        ok: {
          202: {
            ...(jsonResponse('Accepted: the job status.', JOB_STATUS) as object),
            headers: {
              Location: { type: 'string', description: '`/jobs/{id}`.' },
              'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Present when an earlier submission with this Idempotency-Key is returned.' },
            },
          },
        },
        errors: [
          [400, 'Bad submission: no rows, too many rows, an unknown template, field or query parameter, a row or document that does not validate, a webhook host not in WEBHOOK_HOSTS, a bad Idempotency-Key.'],
          FORBIDDEN,
          [409, '`idempotency_conflict`: this Idempotency-Key was used for a different submission.'],
          [413, '`payload_too_large`: the body is larger than JOB_MAX_BODY_MB.'],
          [415, '`unsupported_media_type`: the body is not JSON, NDJSON or CSV.'],
          [429, '`too_many_jobs`: JOB_MAX_PENDING jobs are open; retry after `Retry-After` seconds.'],
          500,
          UNAVAILABLE,
          [507, '`insufficient_storage`: the disk is full, nothing was stored; retry after `Retry-After` seconds.'],
        ],
        // Documented only: job-input checks the body and the route the key, naming what is wrong.
        docsHeaders: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200, description: 'Makes retries safe: the same key and body return the same job.' } } },
        docsBody: {
          content: {
            'application/json': { schema: { type: 'object', description: '`{template, format?, rows, webhook?}` or `{documents, webhook?}`.', properties: { template: { type: 'string' }, format: { type: 'string' }, rows: { type: 'array', items: { type: 'object' } }, documents: { type: 'array', items: { type: 'object' } }, webhook: { type: 'string' } } } },
            'application/x-ndjson': { schema: { type: 'string', description: 'One row (with ?template=) or one poster document per line.' } },
            'text/csv': { schema: { type: 'string', description: 'A header line of variable names, then one row per line (with ?template=).' } },
          },
        },
      }),
      querystring: JOBS_QUERY,
    },
  }, async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    let sub: JobSubmission;
    if (type === 'text/csv') sub = fromCsv(String(req.body), query, templates, limits);
    else if (type.endsWith('ndjson')) sub = fromNdjson(String(req.body), query, templates, limits);
    else sub = fromJson(req.body, templates, limits);
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) throw badParam('invalid_parameter', 'Idempotency-Key', 'Idempotency-Key must be 1-200 characters');
    const bodyHash = createHash('sha256').update(type).update('\n').update(JSON.stringify(query)).update('\n').update(typeof req.body === 'string' ? req.body : JSON.stringify(req.body)).digest('hex');
    const { job, replayed } = await engine.submit(sub, key ?? null, bodyHash);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.status(202).header('Location', `/jobs/${job.id}`).header('Cache-Control', 'no-store').send(await engine.status(job.id));
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', {
    onRequest,
    schema: { ...describeRoute({ id: 'getJob', tag: 'jobs', auth: 'bearer', summary: 'Job state, counts, progress, rate, ETA and first errors', ok: { 200: jsonResponse('The job status.', JOB_STATUS) }, errors: [FORBIDDEN, NOT_FOUND, 500, UNAVAILABLE] }), params: ID },
  }, async (req, reply) => {
    return reply.header('Cache-Control', 'no-store').send(await engine.status(req.params.id));
  });

  app.delete<{ Params: { id: string } }>('/jobs/:id', {
    onRequest,
    schema: { ...describeRoute({ id: 'cancelJob', tag: 'jobs', auth: 'bearer', summary: 'Cancel a job (finished images stay downloadable until it expires)', ok: { 200: jsonResponse('The job status after cancelling.', JOB_STATUS) }, errors: [FORBIDDEN, NOT_FOUND, 500, UNAVAILABLE] }), params: ID },
  }, async (req, reply) => {
    return reply.header('Cache-Control', 'no-store').send(await engine.cancel(req.params.id));
  });

  // Open event streams; at shutdown (after the engine stopped) each gets a final status and a
  // `shutdown` event, then ends, so the HTTP drain does not wait for them.
  const streams = new Set<() => Promise<void>>();
  app.addHook('preClose', async () => {
    await Promise.all([...streams].map((end) => end()));
  });

  app.get<{ Params: { id: string } }>('/jobs/:id/events', {
    onRequest,
    schema: {
      ...describeRoute({
        id: 'jobEvents', tag: 'jobs', auth: 'bearer', summary: 'Server-sent events: the job status on every change, then `end`',
        ok: { 200: { description: '`event: status` with the job status on every change (at most 4/s), then `event: end` (or `event: shutdown` when the server stops; reconnect).', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        errors: [FORBIDDEN, NOT_FOUND, 500, UNAVAILABLE],
      }),
      params: ID,
    },
  }, async (req, reply) => {
    const { id } = req.params;
    await engine.get(id); // 404 before switching to a stream
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-request-id': req.id });
    let timer: NodeJS.Timeout | null = null;
    let last = 0;
    let done = false;
    const send = async (): Promise<void> => {
      timer = null;
      last = Date.now();
      const status = await engine.status(id).catch(() => null);
      if (done) return;
      if (!status) return finish();
      res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
      if (isFinished(status.state)) {
        res.write(`event: end\ndata: ${JSON.stringify({ state: status.state })}\n\n`);
        finish();
      }
    };
    const onChange = (changed: string): void => {
      if (changed !== id || timer || done) return;
      timer = setTimeout(() => void send(), Math.max(0, 250 - (Date.now() - last))); // at most 4 a second
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const finish = (): void => {
      done = true;
      streams.delete(shutdown);
      engine.off('change', onChange);
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      res.end();
    };
    const shutdown = async (): Promise<void> => {
      if (done) return;
      if (timer) clearTimeout(timer);
      const status = await engine.status(id).catch(() => null);
      if (done) return;
      if (status) res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
      res.write(`event: shutdown\ndata: ${JSON.stringify({ state: status?.state ?? null, reason: 'server shutting down; reconnect to follow the job' })}\n\n`);
      finish();
    };
    streams.add(shutdown);
    engine.on('change', onChange);
    res.on('close', () => {
      if (!done) finish();
    });
    await send();
  });

  app.get<{ Params: { id: string } }>('/jobs/:id/results.zip', {
    onRequest,
    schema: {
      ...describeRoute({
        id: 'jobResults', tag: 'jobs', auth: 'bearer', summary: 'The finished images and manifest.json, streamed as a ZIP',
        ok: { 200: { description: 'A ZIP of the finished images plus manifest.json.', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } } },
        errors: [FORBIDDEN, NOT_FOUND, 500, UNAVAILABLE],
      }),
      params: ID,
    },
  }, async (req, reply) => {
    const job = await engine.get(req.params.id);
    const items = await engine.items(job.id);
    const rows = await engine.rows(job.id);
    const stream = resultsZip(job, items, rows, (n) => engine.resultFile(job, n, rows[n - 1]));
    return reply.type('application/zip').header('Content-Disposition', contentDisposition('attachment', `letterpress-${job.id}.zip`)).header('Cache-Control', 'no-store').send(stream);
  });

  app.get<{ Params: { id: string; n: string } }>('/jobs/:id/items/:n', {
    onRequest,
    schema: {
      ...describeRoute({
        id: 'jobItem', tag: 'jobs', auth: 'bearer', summary: 'One finished image, by row number (1-based)',
        ok: { 200: { description: 'The image.', content: Object.fromEntries(Object.values(CONTENT_TYPES).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) } },
        errors: [[400, '`invalid_parameter` (n is not decimal digits) or `out_of_range` (no such row).'], FORBIDDEN, [404, '`job_not_found`, or `item_not_ready` with the row\'s state.'], 500, UNAVAILABLE],
      }),
      params: { type: 'object', required: ['id', 'n'], properties: { id: ID.properties.id, n: { type: 'string', description: 'Row number, from 1.' } } },
    },
  }, async (req, reply) => {
    // The one spelling of a number (query-string.ts DECIMAL), as an integer: digits only (no 0x1, 1e0, +1, 1.0, spaces).
    if (!/^[0-9]+$/.test(req.params.n)) throw badParam('invalid_parameter', 'n', 'n must be a row number: decimal digits only (no sign, exponent, hex prefix, point or spaces)');
    const job = await engine.get(req.params.id);
    const n = Number(req.params.n);
    if (n < 1 || n > job.total) throw badParam('out_of_range', 'n', `row must be from 1 to ${job.total}`);
    const item = (await engine.items(job.id))[n - 1];
    if (item.state !== 'done') {
      throw AppError.of('item_not_ready', `row ${n} is ${item.state}${item.error ? `: ${item.error.code}` : ''}`, 'n');
    }
    const rows = await engine.rows(job.id);
    const file = engine.resultFile(job, n, rows[n - 1]);
    const ext = file.slice(file.lastIndexOf('.') + 1);
    const format = canonicalFormat(ext);
    const name = jobNames(job, rows).get(n) ?? `${n}.${ext}`;
    return reply.type(format ? CONTENT_TYPES[format] : 'application/octet-stream').header('Cache-Control', 'no-store')
      .header('Content-Disposition', contentDisposition('inline', name)).send(fs.createReadStream(file));
  });
}
