/**
 * Ends a test run with one plain line, `N passed, N failed` (`, N skipped` when any), that CI
 * systems read whatever the test runner is.
 */
import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain closing line after vitest's own summary. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = (state: 'passed' | 'failed' | 'skipped'): number =>
      testModules.reduce((n, m) => n + [...m.children.allTests(state)].length, 0);
    const skipped = count('skipped');
    process.stdout.write(`\n${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
