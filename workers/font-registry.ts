/**
 * Lazy registration of the catalog's faces with Skia. @napi-rs/canvas keeps one font collection
 * for the whole process (all worker threads share it), so each face is registered once, by the
 * first thread whose render needs it, under a per-face slot of a shared Int32Array; other threads
 * wanting the same face wait for it instead of loading a duplicate. A face nobody draws with is
 * never loaded, which keeps start-up fast and idle memory flat however many fonts are catalogued.
 *
 * Skia is also told not to look at the host's fonts: `DISABLE_SYSTEM_FONTS_LOAD` must be set
 * before @napi-rs/canvas is first imported (see `./no-system-fonts.ts`), and every run is drawn
 * with an explicit registered face that has all of its glyphs, so Skia's own fallback never runs.
 */
import './no-system-fonts.js';
import { GlobalFonts } from '@napi-rs/canvas';
import type { FaceInfo } from './protocol.js';

/** Registration counters of this thread (faces it loaded, faces it found loaded, failures). */
export interface RegistryStats { readonly loaded: number; readonly shared: number; readonly failed: number }

const UNLOADED = 0;
const LOADING = 1;
const LOADED = 2;
const FAILED = 3;

let slots: Int32Array | null = null;
const ready = new Set<number>();
let loaded = 0, shared = 0, failedCount = 0;
const failures: { file: string; reason: string }[] = [];

/** Attaches this thread to the shared registration slots (a SharedArrayBuffer of `registryBytes(catalog)`). */
export function initRegistry(buffer: SharedArrayBuffer): void {
  slots = new Int32Array(buffer);
}

const TAKEOVER_MS = 5_000;

function register(face: FaceInfo, slots: Int32Array): void {
  let ok = false;
  try {
    ok = GlobalFonts.registerFromPath(face.file, face.alias) !== null;
    if (!ok) failures.push({ file: face.file, reason: 'Skia could not load the font' });
  } catch (err) {
    failures.push({ file: face.file, reason: (err as Error).message });
  }
  Atomics.store(slots, face.index, ok ? LOADED : FAILED);
  Atomics.notify(slots, face.index);
  if (ok) loaded++;
  else failedCount++;
}

/** Makes sure `face` is registered with Skia (loading it now if no thread has); false if it cannot be. */
export function ensureFace(face: FaceInfo): boolean {
  if (ready.has(face.index)) return true;
  if (!slots || face.index >= slots.length) throw new Error('font registry not initialised for this catalog');
  const i = face.index;
  if (Atomics.compareExchange(slots, i, UNLOADED, LOADING) === UNLOADED) register(face, slots);
  else {
    // Registering takes milliseconds; a slot still LOADING after the wait belongs to a thread that
    // was terminated mid-way, so this one registers the face itself (Skia dedupes by path).
    if (Atomics.load(slots, i) === LOADING) Atomics.wait(slots, i, LOADING, TAKEOVER_MS);
    if (Atomics.load(slots, i) === LOADING) register(face, slots);
    else if (Atomics.load(slots, i) === LOADED) shared++;
  }
  if (Atomics.load(slots, i) !== LOADED) return false;
  ready.add(i);
  return true;
}

/** The CSS font shorthand for drawing with `face` at `size` px, registering the face first. */
export function fontCss(face: FaceInfo, size: number): string {
  ensureFace(face);
  return `${face.weight} ${size}px "${face.alias}"`;
}

/** This thread's counters and the faces it failed to load (with reasons). */
export function registryStats(): RegistryStats & { failures: readonly { file: string; reason: string }[] } {
  return { loaded, shared, failed: failedCount, failures };
}
