// Renders every template with its defaults (and examples for required variables) into
// docs/templates/ for the README gallery. Run: npm run build && node docs/render-gallery.mjs [outdir]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  fs.writeFileSync(file, res.rawPayload);
  console.log(`${file}  ${res.rawPayload.length} bytes  ${t.url}`);
}
await app.close();
