// Prints the one summary line CI reads from jest's JSON report.
import { readFileSync, existsSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
if (!existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(0);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
// A suite that failed to load counts as a failure even though it ran no test.
const brokenSuites = report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
for (const suite of report.testResults) {
  if (suite.status === 'failed' && suite.assertionResults.length === 0) console.log(`suite failed to run: ${suite.name}`);
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests + brokenSuites} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
