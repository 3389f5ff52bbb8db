/**
 * Registers the catalog's faces with Skia once per process. @napi-rs/canvas keeps one font
 * collection for the whole process (all worker threads share it), so the first worker loads the
 * faces while the others wait on a shared lock instead of loading duplicates.
 */
import { GlobalFonts } from '@napi-rs/canvas';
import type { FontCatalog } from './font-catalog.js';

/** Outcome of registering the catalog. */
export interface RegistryResult {
  readonly faces: number;
  readonly failed: { file: string; reason: string }[];
}

const LOADING = 1;
const LOADED = 2;
let result: RegistryResult | null = null;

/** Registers every face (skipping ones already present); `lock` is a shared Int32 slot. */
export function registerCatalog(catalog: FontCatalog, lockBuffer: SharedArrayBuffer): RegistryResult {
  if (result) return result;
  const lock = new Int32Array(lockBuffer);
  if (Atomics.compareExchange(lock, 0, 0, LOADING) !== 0) {
    while (Atomics.load(lock, 0) !== LOADED) {
      if (Atomics.wait(lock, 0, LOADING, 30_000) === 'timed-out') break;
    }
  }
  const failed: { file: string; reason: string }[] = [];
  let faces = 0;
  try {
    // One native call for the names already loaded (GlobalFonts.has() per face is O(n) each).
    const present = new Set(GlobalFonts.families.map((f) => f.family));
    for (const face of catalog.faces) {
      if (present.has(face.alias)) {
        faces++;
        continue;
      }
      try {
        if (GlobalFonts.registerFromPath(face.file, face.alias)) faces++;
        else failed.push({ file: face.file, reason: 'Skia could not load the font' });
      } catch (err) {
        failed.push({ file: face.file, reason: (err as Error).message });
      }
    }
  } finally {
    Atomics.store(lock, 0, LOADED);
    Atomics.notify(lock, 0);
  }
  result = { faces, failed };
  return result;
}
