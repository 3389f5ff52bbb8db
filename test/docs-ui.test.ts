/**
 * `GET /docs` in headless Chromium: Swagger UI, served from npm under its own CSP (self only),
 * renders every operation of /docs/json with no console errors (CSP violations included) and
 * loads nothing from another origin. Skipped as test/browser.ts says (LETTERPRESS_SKIP_BROWSER=1,
 * or no Chromium outside CI).
 */
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type LetterpressApp } from '../src/app.js';
import { DOCS_CSP } from '../src/openapi.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, skipBrowser as skip } from './browser.js';
import { testConfig } from './helpers.js';

let lp: LetterpressApp;
let base: string;
let browser: Browser;
beforeAll(async () => {
  if (skip) return;
  lp = await buildApp(testConfig(), { warm: false, jobs: false });
  await lp.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(lp.app.server.address() as AddressInfo).port}`;
  requireChromium();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await lp?.app.close();
});

describe.skipIf(skip)('GET /docs in a browser', () => {
  it('serves the docs under the docs CSP, everything else under the strict one', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect(DOCS_CSP).not.toMatch(/https?:|\*/);
    expect((await fetch(`${base}/docs/static/swagger-ui-bundle.js`)).headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect((await fetch(`${base}/fonts`)).headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('renders every operation with no console errors and no request off this origin', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await ctx.route('**/*', (route) => {
      if (route.request().url().startsWith(base)) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    try {
      await page.goto(`${base}/docs`, { waitUntil: 'load' });
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const expected = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, expected, { timeout: 15_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
      for (const p of Object.keys(doc.paths)) expect(paths).toContain(p);
      expect(await page.textContent('.info .title')).toContain('Letterpress');
      // Let late work (icons, fonts) settle before judging the console.
      await page.waitForLoadState('networkidle');
      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
