/**
 * `npm run test:integration:electron`: the same in-host suite in desktop VS Code, downloaded by
 * `@vscode/test-electron`, for machines that can reach update.code.visualstudio.com. (Where they
 * cannot, `npm run test:integration` runs it in code-server's VS Code instead.)
 *
 *   npx tsx test/integration/runTestElectron.ts [--grep <regexp>] [--no-build] [--version <vscode version>]
 *
 * Set VSCODE_EXECUTABLE to use an installed VS Code instead of downloading one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { VSCODE_VERSION } from '../../scripts/code-server/paths';
import { REPO_ROOT, buildExtension, bundleSuite, prepareWorkspace } from './prepare';
import { readSuiteResults, runMain } from './runner';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const arg = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  if (!argv.includes('--no-build')) buildExtension();
  const suite = await bundleSuite();
  const work = mkdtempSync(join(tmpdir(), 'cnnite-'));
  const ws = prepareWorkspace(join(work, 'workspace'));
  const resultsFile = join(work, 'results.json');
  let code = 0;
  try {
    code = await runTests({
      ...(process.env.VSCODE_EXECUTABLE !== undefined ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : { version: arg('--version') ?? VSCODE_VERSION }),
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { CNN_LAB_TEST_RESULTS: resultsFile, CNN_LAB_TEST_GREP: arg('--grep') ?? process.env.CNN_LAB_TEST_GREP ?? '' },
      launchArgs: [ws.folder, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
        '--user-data-dir', join(work, 'user-data')],
    });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    code = 1;
  }
  const results = readSuiteResults(resultsFile);
  const passed = results?.passed ?? 0;
  // No result file means the suite never finished, whatever exit code VS Code reported.
  const failed = results === null ? 1 : results.failed + (code !== 0 && results.failed === 0 ? 1 : 0);
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`integration: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

runMain('integration', main);
