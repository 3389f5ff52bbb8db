// Takes the README's playground screenshot (docs/playground.png) with Chromium through playwright-core
// (run: npm run build && node docs/screenshot-playground.mjs; CHROMIUM=/path/to/chromium to override).
import { chromium } from 'playwright-core';
import { buildApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const { app, warmed } = await buildApp(loadConfig({ POOL_SIZE: '1', LOG_LEVEL: 'silent', DATA_DIR: 'data/screenshot' }), { jobs: false });
await warmed;
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => {
    const img = document.getElementById('preview');
    return img.dataset.url && img.complete && img.naturalWidth > 0 && document.getElementById('stage').getAttribute('aria-busy') === 'false';
  });
  await page.click('[data-copy="curl"]').catch(() => {});
  await page.waitForTimeout(200);
  await page.screenshot({ path: new URL('./playground.png', import.meta.url).pathname });
  console.log('wrote docs/playground.png');
} finally {
  await browser.close();
  await app.close();
}
