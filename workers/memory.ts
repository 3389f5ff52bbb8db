/**
 * Returns each render's pixel buffer to the allocator promptly. `canvas.data()` hands out a
 * fresh 3 MB native buffer per 1200x630 render that V8 does not count against its heap, so
 * without help the wrapper lingers until some later GC and its memory is freed in a later tick
 * (Brooooklyn/canvas#819): RSS climbs to gigabytes under load and every render touches fresh
 * pages (measured here: data() 0.07 ms with a young-generation GC per render, 0.3-12 ms without).
 * A scavenge after each task (~0.1 ms) frees the wrapper; its finalizer runs before the next task.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;

/** Runs a young-generation GC so short-lived native buffers are released now. */
export function releaseYoungBuffers(): void {
  gc({ type: 'minor' });
}
