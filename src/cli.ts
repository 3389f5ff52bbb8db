#!/usr/bin/env node
/**
 * The `letterpress` command line:
 *   letterpress sign '<url: /render.png?…, /t/name.png?…, /badge/…, /600x400…>' [--key KEY]   print the URL with its `sig`
 *   letterpress config                                      print the effective configuration (secrets masked)
 *   letterpress serve                                       start the HTTP server (same as npm start)
 *   letterpress worker                                      take batch-job chunks from Redis (REDIS_URL), no HTTP
 *   letterpress batch rows.csv --template NAME --out DIR    render a batch without a server (resumable)
 *   letterpress render '<json | url | text=…>' -o out.png   render one image without a server
 * Reads the same environment variables as the server.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFontCatalog } from './font-catalog.js';
import { loadConfigOrExit, PROJECT_ROOT, type Config } from './config.js';
import { AppError } from './errors.js';
import { signRenderUrl } from './signing.js';
import { AssetCatalog } from './assets.js';
import { TemplateStore } from './templates.js';

/** The configuration with secrets replaced by a mask, for printing. */
export function maskedConfig(config: Config): Record<string, unknown> {
  return { ...config, signingKeys: config.signingKeys.map((k) => `${k.slice(0, 2)}…(${k.length} chars)`) };
}

function usage(): never {
  process.stderr.write("usage: letterpress sign '<url>' [--key KEY] | config | serve | worker | batch rows.csv --template NAME --out DIR | render '<json|url>' -o out.png\n");
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command) usage();
  const config = loadConfigOrExit();
  if (command === 'config') {
    process.stdout.write(`${JSON.stringify(maskedConfig(config), null, 2)}\n`);
  } else if (command === 'sign') {
    const keyAt = rest.indexOf('--key');
    const key = keyAt >= 0 ? rest[keyAt + 1] : config.signingKeys[0];
    const url = rest.find((a, i) => !a.startsWith('--') && (keyAt < 0 || i !== keyAt + 1));
    if (!url) usage();
    if (!key) {
      process.stderr.write('no key: set SIGNING_KEYS or pass --key\n');
      process.exit(2);
    }
    const catalog = loadFontCatalog({ dirs: config.fontDirs, packageRoot: PROJECT_ROOT, fallback: config.fallbackFonts });
    const templates = new TemplateStore(config.templateDirs, { config, catalog, assets: new AssetCatalog(config.assetDirs) });
    try {
      process.stdout.write(`${signRenderUrl(url, key, config, catalog, templates)}\n`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      process.stderr.write(`${err.code}: ${err.message}\n`);
      process.exit(1);
    }
  } else if (command === 'serve') {
    await import('./server.js');
  } else if (command === 'worker') {
    const { runWorker } = await import('./worker-cli.js');
    await runWorker(config);
  } else if (command === 'batch') {
    const { runBatch } = await import('./batch-cli.js');
    process.exitCode = await runBatch(rest, config);
  } else if (command === 'render') {
    const { runRender } = await import('./batch-cli.js');
    process.exitCode = await runRender(rest, config);
  } else usage();
}

/** True when this file is the program being run (also through an npm bin symlink). */
function isMain(): boolean {
  try {
    return Boolean(process.argv[1]) && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) void main(process.argv.slice(2));
