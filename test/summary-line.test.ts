/** The closing `N passed, N failed` line counts a test file that failed to load as a failure. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('summary line', () => {
  it('counts a test file that fails to load as a failure, and vitest exits non-zero', async () => {
    const root = fileURLToPath(new URL('./fixtures/reporter/', import.meta.url));
    const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [vitest, 'run', '--root', root], { env: { ...process.env, CI: 'true' } }, (err, out) => {
        resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout: out });
      });
    });
    expect(code).not.toBe(0);
    expect(stdout).toMatch(/^1 passed, 1 failed \(1 test file failed to load\)$/m);
  });
});
