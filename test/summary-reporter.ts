/**
 * Ends a test run with one plain line, `N passed, N failed` (`, N skipped` when any), that CI
 * systems read whatever the test runner is. A test file that failed to load (a syntax error, a
 * missing fixture, a throw at import) and an error thrown outside any test both count as failures,
 * so the line never says `0 failed` while the run exits 1.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** Counts a run's outcomes; exported so the guarantee can be tested without a second vitest run. */
export function summarize(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): { passed: number; failed: number; skipped: number; loadFailures: number } {
  const count = (state: 'passed' | 'failed' | 'skipped'): number =>
    testModules.reduce((n, m) => n + [...m.children.allTests(state)].length, 0);
  // A module that failed with no failed test of its own never ran its tests: it failed to load.
  const loadFailures = testModules.filter((m) => m.state() === 'failed' && [...m.children.allTests('failed')].length === 0).length;
  return { passed: count('passed'), failed: count('failed') + loadFailures + unhandledErrors.length, skipped: count('skipped'), loadFailures };
}

/** Prints the plain closing line after vitest's own summary. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const s = summarize(testModules, unhandledErrors);
    const notes = [s.skipped ? `, ${s.skipped} skipped` : '', s.loadFailures ? ` (${s.loadFailures} test file${s.loadFailures === 1 ? '' : 's'} failed to load)` : ''].join('');
    process.stdout.write(`\n${s.passed} passed, ${s.failed} failed${notes}\n`);
  }
}
