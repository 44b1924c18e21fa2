/**
 * Loaded by the VS Code extension host through `extensionTestsPath` (code-server or
 * @vscode/test-electron): runs every `*.test.js` next to this file with mocha and settles
 * `run()` — rejected when any test fails, which the workbench reports as exit code 1.
 *
 * It also writes a machine-readable result file (`CNN_LAB_TEST_RESULTS`, inherited from the server's
 * environment) so that the runner can tell "all passed" from "the extension host died" — the
 * workbench reports exit code 0 when test code kills the process.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** One test's outcome, as the runner prints it. */
export interface TestOutcome {
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs: number;
  readonly error?: string;
}

/** The file the suite writes when mocha finishes. */
export interface SuiteResults {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly durationMs: number;
  readonly tests: readonly TestOutcome[];
}

const FIRST = ['language.test.js', 'editing.test.js', 'training.test.js'];

export function run(): Promise<void> {
  const grep = process.env.CNN_LAB_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: 'spec',
    timeout: 120_000,
    ...(grep !== undefined && grep !== '' ? { grep } : {}),
  });
  // The language tests first: the first of them checks that opening a model file activates the extension.
  const rank = (f: string): number => { const i = FIRST.indexOf(f); return i < 0 ? FIRST.length : i; };
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const f of files) mocha.addFile(join(__dirname, f));
  const outcomes: TestOutcome[] = [];
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results: SuiteResults = {
        passed: outcomes.filter((o) => o.state === 'passed').length,
        failed: outcomes.filter((o) => o.state === 'failed').length,
        pending: outcomes.filter((o) => o.state === 'pending').length,
        durationMs: Date.now() - started,
        tests: outcomes,
      };
      const out = process.env.CNN_LAB_TEST_RESULTS;
      if (out !== undefined && out !== '') writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => outcomes.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('pending', (t) => outcomes.push({ title: t.fullTitle(), state: 'pending', durationMs: 0 }));
    runner.on('fail', (t, err: unknown) => outcomes.push({
      title: t.fullTitle(),
      state: 'failed',
      durationMs: t.duration ?? 0,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    }));
  });
}
