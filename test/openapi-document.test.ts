/**
 * The live OpenAPI document (`GET /docs/json`): it passes swagger-parser and redocly's
 * recommended lint with no errors; every operation has an operationId, a tag, a summary, its
 * security and at least one 4xx; every 4xx/5xx references the shared Error schema (429/503 with
 * Retry-After); image 200s carry ETag and Cache-Control. Then, per route family, statuses the
 * routes really answer (provoked here) are the ones the document lists.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type LetterpressApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { signRenderUrl } from '../src/signing.js';
import { answerDuringClose, startApp, testConfig } from './helpers.js';

const KEY = 'docs-test-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const ERROR_REF = '#/components/schemas/Error';
/** Health probes answer 503 with their own status body, or the Error of a draining server. */
const PROBE_503 = new Set(['/healthz', '/readyz']);
/** True when a response schema is the Error schema (probe 503s: one of its alternatives). */
const isError = (schema: { $ref?: string; anyOf?: { $ref?: string }[] } | undefined, probe: boolean): boolean =>
  schema?.$ref === ERROR_REF || (probe && !!schema?.anyOf?.some((s) => s.$ref === ERROR_REF));
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Response { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: { $ref?: string } }> }
interface Operation { operationId?: string; tags?: string[]; summary?: string; security?: unknown[]; parameters?: { name: string; in: string }[]; responses: Record<string, Response> }
interface Doc { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> } }

let lp: LetterpressApp;
let doc: Doc;
beforeAll(async () => {
  lp = await startApp({ SIGNING_KEYS: KEY, JOB_MAX_ITEMS: '5' });
  const res = await lp.app.inject('/docs/json');
  expect(res.statusCode).toBe(200);
  doc = res.json() as Doc;
});
afterAll(async () => {
  await lp?.app.close();
});

/** Every [path, method, operation] in the document. */
const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([m, op]) => [path, m, op] as [string, string, Operation]));

/** Asserts the answer has `status` and the document lists that status for the operation; error bodies match the Error schema. */
function expectDocumented(res: LightMyRequestResponse, method: string, path: string, status: number): void {
  expect(res.statusCode, res.body).toBe(status);
  const op = doc.paths[path]?.[method];
  expect(op, `${method.toUpperCase()} ${path} is documented`).toBeDefined();
  expect(Object.keys(op.responses), `${method.toUpperCase()} ${path} documents ${status}`).toContain(String(status));
  const type = String(res.headers['content-type'] ?? '').split(';')[0];
  if (type && status !== 304) expect(Object.keys(op.responses[String(status)].content ?? {}), `${method.toUpperCase()} ${path} ${status} as ${type}`).toContain(type);
  if (status >= 400 && type === 'application/json' && !(status === 503 && PROBE_503.has(path))) {
    expect(res.json()).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    expect(Object.keys(res.json().error as object).every((k) => ['code', 'message', 'param'].includes(k))).toBe(true);
  }
}

describe('the document validates', () => {
  it('passes SwaggerParser.validate', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('passes redocly lint (recommended) with no errors', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    const warnings = problems.filter((p) => p.severity === 'warn').map((p) => p.ruleId);
    for (const cheap of ['operation-operationId', 'operation-4xx-response', 'info-license', 'no-empty-servers', 'tags-alphabetical', 'operation-summary']) expect(warnings).not.toContain(cheap);
  });
});

describe('every operation', () => {
  it('has an operationId, a declared tag, a summary, security, and at least one 4xx', () => {
    const tags = new Set((doc as unknown as { tags: { name: string }[] }).tags.map((t) => t.name));
    expect(operations().length).toBeGreaterThan(10);
    for (const [path, method, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.tags?.length, where).toBe(1);
      expect(tags.has(op.tags![0]), where).toBe(true);
      expect(op.summary, where).toBeTruthy();
      expect(Array.isArray(op.security), where).toBe(true);
      expect(Object.keys(op.responses).some((s) => /^4\d\d$/.test(s)), `${where} lists a 4xx`).toBe(true);
    }
  });

  it('references the Error schema from every 4xx/5xx (Retry-After on 429/503/507, no-store on all), 503 shutting_down everywhere', () => {
    expect(doc.components.schemas.Error).toBeDefined();
    for (const [path, method, op] of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        expect(isError(r.content?.['application/json']?.schema, status === '503' && PROBE_503.has(path)), where).toBe(true);
        expect(Object.keys(r.headers ?? {}), where).toContain('Cache-Control');
        expect(JSON.stringify(r.headers?.['Cache-Control']), where).toContain('no-store');
        if (['429', '503', '507'].includes(status)) expect(Object.keys(r.headers ?? {}), where).toContain('Retry-After');
        if (!['GET', 'HEAD'].includes(method.toUpperCase())) expect(Object.keys(r.content ?? {}), `${where}: error images are for GET only`).not.toContain('image/png');
      }
      expect(op.responses['503']?.description, `${method.toUpperCase()} ${path}`).toContain('shutting_down');
    }
  });

  it('image answers (200 image/*) document ETag and Cache-Control; those with 304 document it the same way', () => {
    let images = 0;
    for (const [path, method, op] of operations()) {
      const ok = op.responses['200'];
      const cacheable = op.responses['304'] !== undefined;
      if (!ok?.content || !Object.keys(ok.content).every((t) => t.startsWith('image/')) || !cacheable) continue;
      images++;
      for (const s of ['200', '304']) expect(Object.keys(op.responses[s].headers ?? {}), `${method} ${path} ${s}`).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']));
    }
    expect(images).toBeGreaterThanOrEqual(3);
  });

  it('documents the auth: sig on signed image URLs, the bearer scheme on POST /render, POST /sign and every /jobs route', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const bearer = [['/render', 'post'], ['/sign', 'post'], ['/jobs', 'post'], ['/jobs/{id}', 'get'], ['/jobs/{id}', 'delete'], ['/jobs/{id}/events', 'get'], ['/jobs/{id}/results.zip', 'get'], ['/jobs/{id}/items/{n}', 'get']];
    for (const [path, method] of bearer) {
      expect(doc.paths[path][method].security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      expect(doc.paths[path][method].responses['403'], `${method} ${path}`).toBeDefined();
    }
    for (const path of ['/render.{format}', '/t/{name}.{format}']) {
      expect(doc.paths[path].get.parameters?.find((p) => p.name === 'sig')?.in, path).toBe('query');
      expect(doc.paths[path].get.responses['403'], path).toBeDefined();
    }
  });
});

describe('statuses the routes answer are documented', () => {
  it('render: 200, 304 with If-None-Match, 400, 403 without sig', async () => {
    const url = signRenderUrl('/render.png?text=Docs&w=60&h=30&padding=4', KEY, loadConfig({ SIGNING_KEYS: KEY }), lp.catalog);
    const ok = await lp.app.inject(url);
    expectDocumented(ok, 'get', '/render.{format}', 200);
    expectDocumented(await lp.app.inject({ url, headers: { 'if-none-match': String(ok.headers.etag) } }), 'get', '/render.{format}', 304);
    expectDocumented(await lp.app.inject('/render.png?text=Docs&w=99999'), 'get', '/render.{format}', 400);
    expectDocumented(await lp.app.inject('/render.png?text=Docs'), 'get', '/render.{format}', 403);
    const drawn = await lp.app.inject({ url: '/render.png?text=Docs', headers: { accept: 'image/png,image/*;q=0.8' } });
    expect(drawn.headers['content-type']).toBe('image/png');
    expectDocumented(drawn, 'get', '/render.{format}', 403);
  });

  it('badges and placeholders: 400, 403 without sig, 404 for a path that is no size', async () => {
    expectDocumented(await lp.app.inject('/badge/no_separator'), 'get', '/badge/{content}', 400);
    expectDocumented(await lp.app.inject('/badge/build-passing-brightgreen'), 'get', '/badge/{content}', 403);
    expectDocumented(await lp.app.inject('/600x400/000/fff.png'), 'get', '/{size}/{a}/{b}', 403);
    expectDocumented(await lp.app.inject('/600x400?nope=1'), 'get', '/{size}', 400);
    expectDocumented(await lp.app.inject('/not-a-size/000'), 'get', '/{size}/{a}', 404);
  });

  it('sign: 200 with the key, 403 without, 400 for a URL the server would refuse, 404 for one it does not render', async () => {
    const sign = (url: string, headers: Record<string, string> = AUTH) => lp.app.inject({ method: 'POST', url: '/sign', payload: { url }, headers });
    expectDocumented(await sign('/render.png?text=Hi'), 'post', '/sign', 200);
    expectDocumented(await sign('/render.png?text=Hi', {}), 'post', '/sign', 403);
    expectDocumented(await sign('/render.png?text=Hi&w=99999'), 'post', '/sign', 400);
    expectDocumented(await sign('/fonts'), 'post', '/sign', 404);
  });

  it('render: 429 when rate limited', async () => {
    const limited = await buildApp(testConfig({ RATE_LIMIT_MAX: '1' }), { warm: false, jobs: false });
    try {
      await limited.app.inject('/render.png');
      const res = await limited.app.inject('/render.png');
      expectDocumented(res, 'get', '/render.{format}', 429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await limited.app.close();
    }
  });

  it('posters and templates: 403 without a bearer key, 400, 413, 415, 404', async () => {
    const post = (payload: string, headers: Record<string, string> = {}) => lp.app.inject({ method: 'POST', url: '/render', payload, headers: { 'content-type': 'application/json', ...headers } });
    expectDocumented(await post('{"layers":[]}'), 'post', '/render', 403);
    expectDocumented(await post('{"layers":[{"type":"text","text":"x","size":9999}]}', AUTH), 'post', '/render', 400);
    expectDocumented(await post(`{"layers":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`, AUTH), 'post', '/render', 413);
    expectDocumented(await post('<poster/>', { ...AUTH, 'content-type': 'application/xml' }), 'post', '/render', 415);
    expectDocumented(await lp.app.inject('/t/no-such-template.png'), 'get', '/t/{name}.{format}', 404);
    expectDocumented(await lp.app.inject('/templates/no-such-template'), 'get', '/templates/{name}', 404);
    expectDocumented(await lp.app.inject('/assets?x=1'), 'get', '/assets', 400);
  });

  it('jobs: 202 on submit, 409 for an idempotency conflict, 403 without a key, 400, 404', async () => {
    const submit = (rows: unknown[], headers: Record<string, string> = AUTH) =>
      lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'status-badge', rows }, headers: { 'idempotency-key': 'docs-1', ...headers } });
    const accepted = await submit([{ label: 'docs', message: '1' }]);
    expectDocumented(accepted, 'post', '/jobs', 202);
    expectDocumented(await submit([{ label: 'docs', message: '2' }]), 'post', '/jobs', 409);
    expectDocumented(await submit([{ label: 'docs', message: '3' }], {}), 'post', '/jobs', 403);
    expectDocumented(await submit([], { ...AUTH, 'idempotency-key': 'docs-2' }), 'post', '/jobs', 400);
    const id = accepted.json().id as string;
    const get = (url: string, method: 'GET' | 'DELETE' = 'GET', headers: Record<string, string> = AUTH) => lp.app.inject({ method, url, headers });
    expectDocumented(await get(`/jobs/${id}`), 'get', '/jobs/{id}', 200);
    expectDocumented(await get(`/jobs/${id}`, 'GET', {}), 'get', '/jobs/{id}', 403);
    expectDocumented(await get('/jobs/doesnotexist1'), 'get', '/jobs/{id}', 404);
    expectDocumented(await get('/jobs/doesnotexist1', 'DELETE'), 'delete', '/jobs/{id}', 404);
    expectDocumented(await get(`/jobs/${id}/items/99`), 'get', '/jobs/{id}/items/{n}', 400);
    expectDocumented(await get('/jobs/doesnotexist1/results.zip'), 'get', '/jobs/{id}/results.zip', 404);
    expectDocumented(await get('/jobs/doesnotexist1/events'), 'get', '/jobs/{id}/events', 404);
  });

  it('meta: 200, 400 for a query parameter, 503 from a cold pool (and from a job engine that never started)', async () => {
    expectDocumented(await lp.app.inject('/fonts'), 'get', '/fonts', 200);
    expectDocumented(await lp.app.inject('/fonts?x=1'), 'get', '/fonts', 400);
    expectDocumented(await lp.app.inject('/healthz'), 'get', '/healthz', 200);
    expectDocumented(await lp.app.inject('/readyz?verbose=1'), 'get', '/readyz', 400);
    const cold = await buildApp(testConfig(), { warm: false, jobs: false });
    try {
      expectDocumented(await cold.app.inject('/readyz'), 'get', '/readyz', 503);
      // The job engine never started: submits answer 503 jobs_unavailable with Retry-After.
      const submit = await cold.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'status-badge', rows: [{ label: 'a', message: 'b' }] } });
      expectDocumented(submit, 'post', '/jobs', 503);
      expect(submit.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await cold.app.close();
    }
  });

  it('drain: a request that arrives while the server shuts down answers the documented 503 shutting_down', async () => {
    const draining = await buildApp(testConfig(), { warm: false, jobs: false });
    const { head, json } = await answerDuringClose(draining, 'GET /healthz HTTP/1.1');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(json).toEqual({ error: { code: 'shutting_down', message: expect.any(String) } });
    expect(doc.paths['/healthz'].get.responses['503'].description).toContain('shutting_down');
  });
});
