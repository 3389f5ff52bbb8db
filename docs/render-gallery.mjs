// Renders every template with its defaults (and examples for required variables) into
// docs/templates/ as previews at most 600 px wide, for the README gallery.
// Run: npm run build && node docs/render-gallery.mjs [outdir]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { buildApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';

const out = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');
fs.mkdirSync(out, { recursive: true });
const { app, warmed } = await buildApp(loadConfig({ LOG_LEVEL: 'warn', FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' }));
await warmed;
const { templates } = JSON.parse((await app.inject('/templates')).body);
for (const t of templates) {
  const res = await app.inject(t.url);
  if (res.statusCode !== 200) throw new Error(`${t.url}: ${res.statusCode} ${res.body}`);
  const file = path.join(out, `${t.name}.${t.url.split('?')[0].split('.').pop()}`);
  const preview = sharp(res.rawPayload).resize({ width: 600, withoutEnlargement: true });
  const body = await (file.endsWith('.png') ? preview.png({ compressionLevel: 9 }) : preview.jpeg({ quality: 85 })).toBuffer();
  fs.writeFileSync(file, body);
  console.log(`| ![${t.title}](docs/templates/${path.basename(file)}) | **${t.name}** — ${t.description} <br>\`${decodeURI(t.url)}\` |`);
}
await app.close();
