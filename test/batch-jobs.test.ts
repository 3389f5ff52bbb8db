/**
 * Batch jobs in the embedded engine: the state machines, idempotent submit, cancel, one bad row
 * failing alone with the API's error object, deadline + retry, limits, the three input formats,
 * server-sent events, results.zip with manifest.json, single items, webhooks and expiry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { AppError } from '../src/errors.js';
import { ItemRenderer } from '../src/jobs/item-renderer.js';
import { canMoveItem, canMoveJob, finalState, jobStatus, moveItem, moveJob, outputName, type JobRecord } from '../src/jobs/job-model.js';
import { webhookSignature } from '../src/jobs/webhook.js';
import { decode, readZip, startApp, testConfig, waitFor } from './helpers.js';

let lp: LetterpressApp;
let hook: { server: http.Server; calls: { status: number; body: Record<string, unknown>; raw: string; signature?: string }[]; failFirst: number; host: string };

beforeAll(async () => {
  hook = { server: http.createServer(), calls: [], failFirst: 0, host: '' };
  hook.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const status = hook.failFirst-- > 0 ? 500 : 204;
      hook.calls.push({ status, body: JSON.parse(body) as Record<string, unknown>, raw: body, signature: req.headers['x-letterpress-signature'] as string | undefined });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.host = `127.0.0.1:${(hook.server.address() as AddressInfo).port}`;
  lp = await startApp({ POOL_SIZE: '2', JOB_MAX_ITEMS: '50', JOB_MAX_PENDING: '3', WEBHOOK_HOSTS: hook.host });
});
afterAll(async () => {
  await lp.app.close();
  hook.server.close();
});

const submit = (payload: unknown, headers: Record<string, string> = {}, url = '/jobs') =>
  lp.app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : (payload as object), headers });
const status = async (id: string) => JSON.parse((await lp.app.inject(`/jobs/${id}`)).body) as Record<string, any>;
const finished = (id: string) => waitFor(async () => {
  const s = await status(id);
  return ['succeeded', 'failed', 'cancelled'].includes(s.state) ? s : null;
}, 60_000, `job ${id}`);
const badge = (i: number) => ({ label: 'row', message: String(i), filename: `badge-${i}` });
/** A document too heavy for a 100 ms deadline: a 4096x4096 gradient PNG. */
const heavy = { width: 4096, height: 4096, background: { type: 'radial', stops: ['#000', '#fff', '#f0f'] }, layers: [{ type: 'text', text: 'slow', size: 400 }] };

describe('state machines', () => {
  it('jobs and items only move along the documented transitions', () => {
    expect(canMoveJob('queued', 'running')).toBe(true);
    expect(canMoveJob('running', 'succeeded')).toBe(true);
    expect(canMoveJob('queued', 'cancelled')).toBe(true);
    expect(canMoveJob('succeeded', 'running')).toBe(false);
    expect(canMoveJob('cancelled', 'running')).toBe(false);
    expect(canMoveJob('queued', 'succeeded')).toBe(false);
    expect(canMoveItem('pending', 'rendering')).toBe(true);
    expect(canMoveItem('rendering', 'timeout')).toBe(true);
    expect(canMoveItem('timeout', 'rendering')).toBe(true);
    expect(canMoveItem('done', 'rendering')).toBe(false);
    expect(canMoveItem('failed', 'done')).toBe(false);
    // The engines move records only through these checks: an invalid move is a bug and throws.
    const done = { n: 3, state: 'done', attempts: 1, file: 'a.png', bytes: 1, error: null } as const;
    expect(() => moveItem({ ...done }, 'rendering')).toThrow(/row 3: done -> rendering/);
    expect(moveItem({ ...done, state: 'rendering' }, 'timeout', { error: { code: 'render_timeout', message: 'slow' } })).toMatchObject({ state: 'timeout', attempts: 1 });
    const job = { id: 'abcdefgh12', state: 'succeeded' } as unknown as JobRecord;
    expect(() => moveJob(job, 'cancelled')).toThrow(/succeeded -> cancelled/);
  });
  it('a job fails only when every item failed; status derives progress, rate and ETA', () => {
    expect(finalState({ pending: 0, rendering: 0, done: 1, failed: 9, timeout: 0 }, 10)).toBe('succeeded');
    expect(finalState({ pending: 0, rendering: 0, done: 0, failed: 10, timeout: 0 }, 10)).toBe('failed');
    const job = { id: 'abcdefgh12', state: 'running', total: 100, startedAt: new Date(1000).toISOString(), finishedAt: null } as unknown as JobRecord;
    const s = jobStatus(job, { pending: 70, rendering: 5, done: 20, failed: 5, timeout: 0 }, [], 11_000);
    expect(s.progress).toBe(0.25);
    expect(s.rate).toBe(2.5);
    expect(s.etaSeconds).toBe(30);
  });
  it('output names come from filename (sanitised) or the zero-padded row', () => {
    expect(outputName(7, 1000, 'png')).toBe('0007.png');
    expect(outputName(7, 100_000, 'jpg')).toBe('000007.jpg');
    expect(outputName(7, 10, 'png', '../../etc/passwd')).toBe('etc-passwd.png');
    expect(outputName(7, 10, 'png', 'Ünïcödé 海报')).toBe('Ünïcödé 海报.png');
  });
});

describe('a job runs to the end; one bad row fails alone', () => {
  it('202 + Location, queued -> running -> succeeded seen over SSE; failed rows carry the API error', async () => {
    const rows = [badge(1), badge(2), { label: 'x', labelColor: 'nope' }, badge(4), { label: 'y', color: 'bleu' }];
    const res = await submit({ template: 'status-badge', rows });
    expect(res.statusCode).toBe(202);
    const id = JSON.parse(res.body).id as string;
    expect(res.headers.location).toBe(`/jobs/${id}`);
    const events = await lp.app.inject(`/jobs/${id}/events`); // streams until the job ends
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const states = [...events.body.matchAll(/^data: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]).state as string).filter(Boolean);
    expect(states.at(-1)).toBe('succeeded');
    for (let i = 1; i < states.length; i++) expect(states[i] === states[i - 1] || canMoveJob(states[i - 1] as 'running', states[i] as 'succeeded')).toBe(true);
    expect(events.body).toMatch(/event: end/);
    const s = await status(id);
    expect(s.counts).toMatchObject({ done: 3, failed: 2, pending: 0 });
    expect(s.errors).toEqual([
      { row: 3, error: expect.objectContaining({ code: 'invalid_color', param: 'labelColor' }) },
      { row: 5, error: expect.objectContaining({ code: 'invalid_color', param: 'color' }) },
    ]);
    expect(s.progress).toBe(1);
    const direct = await lp.app.inject('/t/status-badge.png?label=x&labelColor=nope');
    expect(JSON.parse(direct.body).error).toEqual(s.errors[0].error); // the same error object as the HTTP API
  });
  it('documents, NDJSON and CSV submissions; results.zip holds the images and manifest.json', async () => {
    const doc = { width: 120, height: 60, format: 'png', layers: [{ type: 'text', text: 'doc' }] };
    const docs = await submit({ documents: [doc, { ...doc, format: 'jpg', filename: 'second' }] });
    const nd = await submit([JSON.stringify(badge(1)), '', JSON.stringify(badge(2))].join('\n'), { 'content-type': 'application/x-ndjson' }, '/jobs?template=status-badge');
    const csv = await submit('label,message,filename\r\n"build, ci","pass ""ok""",same\r\nb,2,same\r\n', { 'content-type': 'text/csv' }, '/jobs?template=status-badge&format=webp');
    for (const r of [docs, nd, csv]) expect(r.statusCode, r.body).toBe(202);
    const [d, n, c] = await Promise.all([docs, nd, csv].map((r) => finished(JSON.parse(r.body).id)));
    expect([d.counts.done, n.counts.done, c.counts.done]).toEqual([2, 2, 2]);
    const zip = await lp.app.inject(`/jobs/${c.id}/results.zip`);
    expect(zip.headers['content-type']).toBe('application/zip');
    const entries = readZip(zip.rawPayload);
    expect([...entries.keys()]).toEqual(['same.webp', 'same-2.webp', 'manifest.json']);
    expect((await decode(entries.get('same.webp')!)).format).toBe('webp');
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    expect(manifest.items).toEqual([
      expect.objectContaining({ row: 1, file: 'same.webp', status: 'done' }), expect.objectContaining({ row: 2, file: 'same-2.webp', status: 'done' }),
    ]);
    const item = await lp.app.inject(`/jobs/${d.id}/items/2`);
    expect(item.headers['content-type']).toBe('image/jpeg');
    expect((await decode(item.rawPayload)).width).toBe(120);
  });
  it('output names are unique after every rewrite, bounded and well-formed: in the ZIP, the manifest and single items', async () => {
    const filenames = ['a', 'a-3', 'a', 'A', 'x\uD83Dy', `x${'😀'.repeat(100)}`, '海'.repeat(100), '👨‍👩‍👧‍👦'.repeat(30)];
    const res = await submit({ template: 'status-badge', rows: filenames.map((filename, i) => ({ message: String(i), filename })) });
    expect(res.statusCode, res.body).toBe(202);
    const s = await finished(JSON.parse(res.body).id);
    expect(s.counts.done).toBe(filenames.length);
    const zip = await lp.app.inject(`/jobs/${s.id}/results.zip`);
    const entries = readZip(zip.rawPayload);
    expect(entries.size).toBe(filenames.length + 1); // one entry per image (a duplicate name would collapse) + manifest.json
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { job: string; total: number; items: { row: number; file: string }[] };
    const files = manifest.items.map((m) => m.file);
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(filenames.length);
    expect(files.slice(0, 4)).toEqual(['a.png', 'a-3.png', expect.stringMatching(/^a-3-.+\.png$/), expect.stringMatching(/^A-4\.png$/)]);
    for (const [i, f] of files.entries()) {
      expect(entries.has(f), f).toBe(true);
      expect(Buffer.byteLength(f), f).toBeLessThanOrEqual(200);
      expect(f.isWellFormed(), f).toBe(true);
      const item = await lp.app.inject(`/jobs/${s.id}/items/${i + 1}`);
      expect(item.statusCode, f).toBe(200);
      const cd = String(item.headers['content-disposition']);
      expect(cd).toMatch(/^inline; filename="[\x20-\x7e]+"/);
      expect(cd).not.toMatch(/[^\x20-\x7e]/);
      const exact = /filename\*=UTF-8''(.+)$/.exec(cd);
      expect(exact ? decodeURIComponent(exact[1]) : /filename="(.+)"/.exec(cd)![1]).toBe(f);
    }
  });
});

describe('idempotency and cancel', () => {
  it('a retried submit with the same Idempotency-Key returns the same job; a different body under it is 409', async () => {
    const body = { template: 'status-badge', rows: [badge(1)] };
    const a = await submit(body, { 'idempotency-key': 'order-42' });
    const b = await submit(body, { 'idempotency-key': 'order-42' });
    expect(JSON.parse(b.body).id).toBe(JSON.parse(a.body).id);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await submit({ ...body, rows: [badge(2)] }, { 'idempotency-key': 'order-42' });
    expect(c.statusCode).toBe(409);
    expect(JSON.parse(c.body).error.code).toBe('idempotency_conflict');
    await finished(JSON.parse(a.body).id);
  });
  it('DELETE cancels: pending items never render, finished images stay downloadable', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ event: `Cancel ${i}` }));
    const id = JSON.parse((await submit({ template: 'event-poster', rows })).body).id as string;
    await waitFor(async () => (await status(id)).counts.done >= 2, 30_000, 'two done');
    const del = await lp.app.inject({ method: 'DELETE', url: `/jobs/${id}` });
    expect(JSON.parse(del.body).state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1500)); // items in flight finish
    const s = await status(id);
    expect(s.state).toBe('cancelled');
    expect(s.counts.pending).toBeGreaterThan(10);
    expect(s.counts.done + s.counts.pending + s.counts.rendering).toBe(40);
    expect((await lp.app.inject(`/jobs/${id}/items/1`)).statusCode).toBe(200);
    expect((await lp.app.inject(`/jobs/${id}/items/40`)).statusCode).toBe(404);
    expect((await lp.app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode).toBe(200); // idempotent
  });
});

describe('deadlines', () => {
  it('an item past its deadline is marked timeout and retried JOB_RETRIES times, then fails alone', async () => {
    // Its own server: a 100 ms per-item deadline would make every other test here flaky.
    const strict = await startApp({ POOL_SIZE: '1', JOB_RETRIES: '1', JOB_ITEM_TIMEOUT_MS: '100' });
    try {
      const small = { width: 80, height: 40, layers: [{ type: 'text', text: 'ok' }] };
      const post = await strict.app.inject({ method: 'POST', url: '/jobs', payload: { documents: [small, heavy, small] } });
      const id = JSON.parse(post.body).id as string;
      const s = await waitFor(async () => {
        const st = JSON.parse((await strict.app.inject(`/jobs/${id}`)).body) as Record<string, any>;
        return ['succeeded', 'failed'].includes(st.state) ? st : null;
      }, 60_000, 'deadline job');
      expect(s.state).toBe('succeeded');
      expect(s.counts).toMatchObject({ done: 2, failed: 1 });
      expect(s.errors[0]).toMatchObject({ row: 2, error: { code: 'render_timeout' } });
      const items = await strict.engine.items(id);
      expect(items[1].attempts).toBe(2); // first try + JOB_RETRIES=1
      const metrics = (await strict.app.inject('/metrics')).body;
      expect(metrics).toMatch(/letterpress_job_items_total\{outcome="timeout"\} [1-9]/);
      expect(metrics).toMatch(/letterpress_job_items_total\{outcome="done"\} [1-9]/);
    } finally {
      await strict.app.close();
    }
  });

  it("a row's spec is computed once, before its attempts, not again on every retry", async () => {
    const timeout = { render: async () => Promise.reject(AppError.of('render_timeout', 'slow')) };
    const renderer = new ItemRenderer({ config: testConfig(), catalog: lp.catalog, assets: lp.assets }, lp.templates, timeout as never, 1000);
    let specs = 0;
    const spec = renderer.spec.bind(renderer);
    renderer.spec = (source, row) => (specs++, spec(source, row));
    const pending = { n: 1, state: 'pending', attempts: 0, file: null, bytes: 0, error: null } as const;
    const outcome = await renderer.renderWithRetries({ ...pending }, { kind: 'template', template: 'status-badge', format: 'png' }, { message: 'ok' }, 2, { save: async () => {} });
    expect(outcome?.item).toMatchObject({ state: 'failed', attempts: 3, error: { code: 'render_timeout' } });
    expect(specs).toBe(1);
    // A bad row fails on its first attempt with the API's error, as before.
    const bad = await renderer.renderWithRetries({ ...pending }, { kind: 'template', template: 'status-badge', format: 'png' }, { nope: 'x' }, 2, { save: async () => {} });
    expect(bad?.item).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'unknown_parameter', param: 'nope' } });
  });
});

describe('limits', () => {
  it('bad submissions are 4xx naming the field; nothing is accepted', async () => {
    const cases: [unknown, Record<string, string>, string, number, string, string][] = [
      [{ rows: [{}] }, {}, '/jobs', 400, 'missing_parameter', 'template'],
      [{ template: 'nope', rows: [{}] }, {}, '/jobs', 404, 'unknown_template', 'name'],
      [{ template: 'status-badge', rows: [] }, {}, '/jobs', 400, 'invalid_parameter', 'rows'],
      [{ template: 'status-badge', rows: Array(51).fill({}) }, {}, '/jobs', 400, 'out_of_range', 'rows'],
      [{ template: 'status-badge', rows: [1] }, {}, '/jobs', 400, 'invalid_parameter', 'rows/0'],
      [{ template: 'status-badge', rows: [{}], format: 'gif' }, {}, '/jobs', 400, 'unknown_format', 'format'],
      [{ template: 'status-badge', rows: [{}], documents: [] }, {}, '/jobs', 400, 'invalid_parameter', 'rows'],
      [{ template: 'status-badge', rows: [{}], extra: 1 }, {}, '/jobs', 400, 'unknown_parameter', 'extra'],
      [{ template: 'status-badge', rows: [{}], webhook: 'http://evil.example/' }, {}, '/jobs', 400, 'invalid_parameter', 'webhook'],
      ['a,b\n"unterminated', { 'content-type': 'text/csv' }, '/jobs?template=status-badge', 400, 'invalid_document', 'body'],
      ['label\nx', { 'content-type': 'text/csv' }, '/jobs', 400, 'missing_parameter', 'template'],
      ['{"label":1}\n{oops', { 'content-type': 'application/x-ndjson' }, '/jobs?template=status-badge', 400, 'invalid_document', 'line 2'],
      // Keys are checked against the template at submit: no job whose every row would fail.
      ['label,colour\nx,red\ny,blue\n', { 'content-type': 'text/csv' }, '/jobs?template=status-badge', 400, 'unknown_parameter', 'colour'],
      ['course,date\nType,today\n', { 'content-type': 'text/csv' }, '/jobs?template=certificate', 400, 'missing_parameter', 'name'],
      ['label,label\nx,y\n', { 'content-type': 'text/csv' }, '/jobs?template=status-badge', 400, 'invalid_document', 'label'],
      [{ template: 'status-badge', rows: [badge(1), { label: 'x', colour: 'red' }] }, {}, '/jobs', 400, 'unknown_parameter', 'rows/1/colour'],
      [{ template: 'certificate', rows: [{ course: 'Type' }] }, {}, '/jobs', 400, 'missing_parameter', 'rows/0/name'],
      ['{"label":1}\n{"lable":2}', { 'content-type': 'application/x-ndjson' }, '/jobs?template=status-badge', 400, 'unknown_parameter', 'rows/1/lable'],
    ];
    for (const [payload, headers, url, code, errCode, param] of cases) {
      const res = await submit(payload, headers, url);
      expect(res.statusCode, JSON.stringify(payload)).toBe(code);
      expect(JSON.parse(res.body).error, JSON.stringify(payload)).toMatchObject({ code: errCode, param });
    }
    const csv = await submit('label,message,filename,dpr\nx,y,z,2\n', { 'content-type': 'text/csv' }, '/jobs?template=status-badge'); // filename, dpr, q are allowed
    expect(csv.statusCode, csv.body).toBe(202);
    await finished(JSON.parse(csv.body).id);
    expect((await lp.app.inject('/jobs/0000000000000000')).statusCode).toBe(404);
    expect((await lp.app.inject('/jobs/../../etc')).statusCode).toBe(404);
  });
  it('more than JOB_MAX_PENDING open jobs: 429 with Retry-After', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ event: `Busy ${i}` }));
    const ids: string[] = [];
    let refused = null;
    for (let i = 0; i < 5 && !refused; i++) {
      const r = await submit({ template: 'event-poster', rows });
      if (r.statusCode === 429) refused = r;
      else ids.push(JSON.parse(r.body).id);
    }
    expect(refused?.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(refused!.body).error.code).toBe('too_many_jobs');
    for (const id of ids) await lp.app.inject({ method: 'DELETE', url: `/jobs/${id}` });
  });
});

describe('webhooks and expiry', () => {
  it('the webhook is called once when the job ends, retried with backoff after a failure', async () => {
    hook.calls.length = 0;
    hook.failFirst = 1;
    (lp.engine as unknown as { opts: { webhook: unknown } }).opts.webhook = { attempts: 4, baseDelayMs: 50, timeoutMs: 2000 };
    const id = JSON.parse((await submit({ template: 'status-badge', rows: [badge(1)], webhook: `http://${hook.host}/done` })).body).id;
    await waitFor(async () => hook.calls.some((c) => c.status === 204), 20_000, 'webhook');
    expect(hook.calls.map((c) => c.status)).toEqual([500, 204]);
    expect(hook.calls[1].body).toMatchObject({ id, state: 'succeeded', counts: { done: 1 } });
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.calls).toHaveLength(2);
  });
  it('with SIGNING_KEYS, submitting needs the key and webhook bodies are signed', async () => {
    const key = 'jobs-signing-key-0123';
    const signed = await startApp({ SIGNING_KEYS: key, WEBHOOK_HOSTS: hook.host });
    try {
      const body = { template: 'status-badge', rows: [badge(1)], webhook: `http://${hook.host}/signed` };
      expect((await signed.app.inject({ method: 'POST', url: '/jobs', payload: body })).statusCode).toBe(403);
      hook.calls.length = 0;
      hook.failFirst = 0;
      const res = await signed.app.inject({ method: 'POST', url: '/jobs', payload: body, headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(202);
      await waitFor(async () => hook.calls.length > 0, 20_000, 'signed webhook');
      expect(hook.calls[0].signature).toBe(webhookSignature(hook.calls[0].raw, key));
    } finally {
      await signed.app.close();
    }
  });
  it('finished jobs are deleted once they expire', async () => {
    const id = JSON.parse((await submit({ template: 'status-badge', rows: [badge(1)] })).body).id;
    await finished(id);
    const removed = await (lp.engine as unknown as { sweep(at: number): Promise<number> }).sweep(Date.now() + 25 * 3600_000);
    expect(removed).toBeGreaterThan(0);
    expect((await lp.app.inject(`/jobs/${id}`)).statusCode).toBe(404);
  });
});
