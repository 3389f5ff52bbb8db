/**
 * Returns each render's pixel buffer to the allocator promptly. `canvas.data()` hands out a
 * fresh 3 MB native buffer per 1200x630 render that V8 does not count against its heap, so
 * without help the wrapper lingers until some later GC and its memory is freed in a later tick
 * (Brooooklyn/canvas#819): RSS climbs to gigabytes under load and every render touches fresh
 * pages (measured here: data() 0.07 ms with a young-generation GC per render, 0.3-12 ms without).
 * A scavenge once 8 MB of such buffers have been handed out frees their wrappers (every ~3rd
 * 1200x630 render, every ~50th badge); the finalizers then run before the next task.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;

/** Native pixel bytes handed out since the last scavenge that trigger the next one. */
export const PIXEL_BYTES_PER_SCAVENGE = 8 * 1024 * 1024;
let pending = 0;

/** Runs a young-generation GC so short-lived native buffers are released now. */
function releaseYoungBuffers(): void {
  pending = 0;
  gc({ type: 'minor' });
}

/** Counts a dropped pixel buffer of `bytes`; scavenges once enough have piled up. */
export function notePixelBuffer(bytes: number): void {
  pending += bytes;
  if (pending >= PIXEL_BYTES_PER_SCAVENGE) releaseYoungBuffers();
}
