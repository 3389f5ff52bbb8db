// Takes the README's playground screenshot (docs/playground.png) with Chromium through playwright-core
// (run: npm run build && node docs/screenshot-playground.mjs; CHROMIUM=/path/to/chromium to override).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const { app, warmed } = await buildApp(loadConfig({ POOL_SIZE: '1', LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-shot-')) }), { jobs: false });
await warmed;
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // Latin text only: the page's own labels use the system's fonts, which may lack CJK and emoji.
  const query = new URLSearchParams({ text: 'Ship faster with typed services', w: '1200', h: '630', bg: '0f172a,7c3aed', angle: '135', color: 'ffffff', weight: '800', size: '72' });
  await page.goto(`${base}/#render.png?${query}`);
  await page.waitForFunction(() => {
    const img = document.getElementById('preview');
    return img.dataset.url && img.complete && img.naturalWidth > 0 && document.getElementById('stage').getAttribute('aria-busy') === 'false';
  });
  await page.click('[data-copy="img"]');
  await page.waitForTimeout(200);
  await page.screenshot({ path: new URL('./playground.png', import.meta.url).pathname });
  console.log('wrote docs/playground.png');
} finally {
  await browser.close();
  await app.close();
}
