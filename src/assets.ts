/**
 * Images poster layers may use: files under `assets/` and ASSET_DIRS (catalogued at start, each
 * with a content hash that goes into ETags), or `data:` URIs under a size limit. Remote http(s)
 * URLs are refused on purpose: fetching them would make the renderer an open proxy and make
 * output depend on someone else's server.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageSource } from '../workers/protocol.js';
import { sniffImage } from '../workers/image-sniff.js';
import { AppError, badParam } from './errors.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.svg']);
const MAX_ASSET_BYTES = 32 * 1024 * 1024;
const DATA_URI = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/]*={0,2})$/;

/** One asset file. */
export interface Asset {
  /** Name used in documents: the path under its folder, with `/` separators. */
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** Content hash: a changed file changes every ETag that uses it. */
  readonly id: string;
}

/** The assets found at start, by name (earlier folders win). */
export class AssetCatalog {
  private readonly byName = new Map<string, Asset>();
  /** Files skipped, with the reason (logged at start). */
  readonly skipped: { file: string; reason: string }[] = [];

  constructor(dirs: readonly string[]) {
    for (const dir of dirs) this.scan(dir, dir);
  }

  private scan(root: string, dir: string): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a missing folder is an empty one
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) this.scan(root, file);
      else if (e.isFile() && EXTENSIONS.has(path.extname(e.name).toLowerCase())) this.add(root, file);
    }
  }

  private add(root: string, file: string): void {
    const name = path.relative(root, file).split(path.sep).join('/');
    if (this.byName.has(name)) return;
    const size = fs.statSync(file).size;
    if (size > MAX_ASSET_BYTES) {
      this.skipped.push({ file, reason: `larger than ${MAX_ASSET_BYTES} bytes` });
      return;
    }
    const id = `asset:${createHash('sha256').update(fs.readFileSync(file)).digest('base64url').slice(0, 22)}`;
    this.byName.set(name, { name, file, bytes: size, id });
  }

  /** Every asset, sorted by name. */
  list(): Asset[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** True when `name` is an asset. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Turns a document's `src` into an image source, or throws the 400 naming `pointer`:
   * remote URLs are refused, data: URIs are decoded and size-checked, names must be assets.
   */
  resolve(src: string, pointer: string, maxDataUriBytes: number): ImageSource {
    if (/^https?:/i.test(src)) {
      throw AppError.of('remote_image', `${pointer}: remote images are not fetched; use an asset name (GET /assets) or a data:image/png|jpeg|webp;base64 URI`, pointer);
    }
    if (src.startsWith('data:')) {
      const m = DATA_URI.exec(src);
      if (!m) throw AppError.of('invalid_image', `${pointer}: data URIs must be data:image/png, image/jpeg or image/webp with ;base64`, pointer);
      const data = Buffer.from(m[2], 'base64');
      if (data.byteLength > maxDataUriBytes) throw AppError.of('invalid_image', `${pointer}: the image is ${data.byteLength} bytes; the limit is ${maxDataUriBytes}`, pointer);
      if (data.byteLength === 0) throw AppError.of('invalid_image', `${pointer}: the data URI is empty`, pointer);
      const sniffed = sniffImage(data);
      if (sniffed !== m[1]) {
        throw AppError.of('invalid_image', `${pointer}: the data URI says image/${m[1]} but its bytes are ${sniffed ? `image/${sniffed}` : 'not a PNG, JPEG or WebP image'}`, pointer);
      }
      return { id: `data:${createHash('sha256').update(data).digest('base64url').slice(0, 22)}`, data };
    }
    const asset = this.byName.get(src.replace(/^\/+/, ''));
    if (!asset) throw badParam('unknown_asset', pointer, `${pointer}: no asset named "${src.slice(0, 100)}"; see GET /assets`);
    return { id: asset.id, file: asset.file };
  }
}
