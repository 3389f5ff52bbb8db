// Renders the README's example images into docs/ through the real app (run: npm run build && node docs/render-examples.mjs [name…]).
import fs from 'node:fs';
import { buildApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';

export const EXAMPLES = [
  ['hello', 'text=Hello%20世界%20👋&w=600&h=315'],
  ['gradient', 'text=Ship%20faster%20with%20typed%20services&w=600&h=315&bg=0f172a,7c3aed&angle=135&color=ffffff&weight=800&size=56'],
  ['chinese', 'text=双十一限时特惠，全场商品五折起！&w=600&h=315&bg=b91c1c&color=fde68a&weight=700&size=72&align=left&padding=40'],
  ['mixed-scripts', 'text=Hello%20世界%20こんにちは%20안녕%20مرحبا%20שלום%20👋%0ALaunch%20day%20🚀%20👩‍💻%20🎉&w=600&h=315&size=40'],
  ['arabic-rtl', 'text=مرحبا%20بكم%20في%20مؤتمر%20المطورين%20السنوي%202026&w=600&h=315&align=right&bg=064e3b&color=ecfdf5&size=48'],
  ['ellipsis', 'text=A%20headline%20that%20is%20far%20too%20long%20for%20two%20lines%20gets%20an%20ellipsis%20instead%20of%20spilling%20out%20of%20the%20card&w=600&h=315&maxLines=2&fit=none&size=48&align=left&font=serif'],
  ['badge', 'text=build%20passing%20✅&w=400&h=100&bg=16a34a&color=fff&weight=700&size=40&padding=16&font=mono'],
  ['japanese-vertical-center', 'text=東京で開催される「デザインと技術」展示会へようこそ。&w=600&h=315&bg=fef3c7&color=7c2d12&size=44&lineHeight=1.5'],
];

/** Examples of the other URL shapes (placehold.co, shields.io), as full paths. */
export const URL_EXAMPLES = [
  ['placeholder', '/600x315.png'],
  ['placeholder-dark', '/600x315/0f172a/f8fafc.png?text=Hero%20image%5Cn1200%20%C3%97%20630'],
  ['shields-badge', '/badge/build-passing-brightgreen.png?dpr=2'],
  ['auto-size', '/render.png?text=As%20wide%20as%20its%20text&w=auto&h=auto&size=40&padding=24&bg=fef3c7&color=7c2d12'],
  ['shields-badge-label', '/badge/coverage-94%25-yellowgreen.png?dpr=2'],
];

// With names on the command line, only those are rendered.
const only = new Set(process.argv.slice(2));
const { app, warmed } = await buildApp(loadConfig({ POOL_SIZE: '1', LOG_LEVEL: 'silent' }));
await warmed;
for (const [name, url] of [...EXAMPLES.map(([n, q]) => [n, `/render.png?${q}`]), ...URL_EXAMPLES]) {
  if (only.size > 0 && !only.has(name)) continue;
  const res = await app.inject(url);
  if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body}`);
  fs.writeFileSync(new URL(`./${name}.png`, import.meta.url), res.rawPayload);
  console.log(`${name}: ${url} (${res.rawPayload.length} bytes)`);
}
await app.close();
