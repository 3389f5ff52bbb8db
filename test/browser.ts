/**
 * When the tests that drive Debian's Chromium run. CI (`CI=true`, where `.ci/run` installs
 * Chromium) always runs them, so a missing browser fails loudly there; on a developer's machine
 * without Chromium they are skipped with a note, so `npm ci && npm test` passes on a fresh clone.
 * `LETTERPRESS_SKIP_BROWSER=1` skips them anywhere; `CHROMIUM_PATH` points at another binary.
 */
import fs from 'node:fs';

/** The Chromium binary the browser tests launch. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for headless Chromium on a closed network (no background connections, no sandbox as root). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** True when the browser tests should be skipped in this run (and says why, once). */
export const skipBrowser: boolean = (() => {
  if (process.env.LETTERPRESS_SKIP_BROWSER === '1') return true;
  if (fs.existsSync(CHROMIUM) || process.env.CI === 'true') return false;
  process.stderr.write(`note: browser tests skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; CI=true requires it)\n`);
  return true;
})();

/** Throws the clear message a run that must drive Chromium gives when it is missing. */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium; .ci/run does), set CHROMIUM_PATH, or set LETTERPRESS_SKIP_BROWSER=1 to skip the browser tests`);
  }
}
