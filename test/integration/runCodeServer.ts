/**
 * `npm run test:integration`: the integration suite inside a real VS Code (1.96.4, packaged by
 * code-server) without downloading VS Code — the same thing `@vscode/test-electron` does, with the
 * Node extension host of VS Code's server and the workbench in headless chromium.
 *
 *   npx tsx test/integration/runCodeServer.ts [--grep <regexp>] [--timeout <seconds>] [--no-build] [--keep]
 *
 * The workbench URL carries `extensionDevelopmentPath` (this repository) and `extensionTestsPath`
 * (the bundled suite); the extension host awaits the suite's `run()` and the page reports the exit
 * code through `window.codeAutomationExit`. That code alone is not trusted: it is 0 also when test
 * code kills the extension host, so the suite's result file and the extension host's connection are
 * checked too. Exit status: 0 only when every test passed.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { launchChromium, workbenchUrl, type Browser } from '../../scripts/code-server/browser';
import { startCodeServer, type CodeServer } from '../../scripts/code-server/server';
import { ensureCodeServer } from '../../scripts/code-server/setup';
import { REPO_ROOT, buildExtension, bundleSuite, prepareWorkspace } from './prepare';
import { phaseLogger, readSuiteResults, runMain, saveServerLogs, stopOnSignal } from './runner';

const OUTPUT = join(REPO_ROOT, 'test-output', 'integration');

interface Options { grep: string; timeoutS: number; build: boolean; keep: boolean }

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { grep: process.env.CNN_LAB_TEST_GREP ?? '', timeoutS: 420, build: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--grep') o.grep = argv[++i] ?? '';
    else if (a === '--timeout') o.timeoutS = Number(argv[++i] ?? o.timeoutS);
    else if (a === '--no-build') o.build = false;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown argument ${String(a)}`);
  }
  return o;
}

/** Extension-host console noise that says nothing about the tests. */
const NOISE = /socket (close|timeout|end) event|Creating a socket|Creation of workbench contribution|connection token|Service Worker|builtin extensions|vsda|\[remote-connection\]|Extension host .* started|ExtensionService#_doActivateExtension/;

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const phase = phaseLogger('integration', Date.now());
  const setup = ensureCodeServer();
  phase(setup.installed ? 'code-server installed' : 'code-server ready (cached)');
  if (opts.build) { buildExtension(); phase('extension built'); }
  const suite = await bundleSuite();
  const work = mkdtempSync(join(tmpdir(), 'cnnit-'));
  const ws = prepareWorkspace(join(work, 'workspace'));
  const resultsFile = join(work, 'results.json');
  rmSync(OUTPUT, { recursive: true, force: true });
  mkdirSync(OUTPUT, { recursive: true });

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let exitCode: number | 'timeout' = 'timeout';
  let hostDropped = false;
  let setupError: string | undefined;
  const stopAll = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
  };
  const removeSignalHandlers = stopOnSignal(stopAll);
  try {
    server = await startCodeServer({
      folder: ws.folder,
      env: { CNN_LAB_TEST_RESULTS: resultsFile, CNN_LAB_TEST_GREP: opts.grep },
    });
    phase(`code-server listening on ${server.url} in ${server.startupMs} ms`);
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    let finish: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => { finish = r; });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // Arguments as given to console.log in the extension host, format string first (mocha's reporter uses %s, %d).
      const line = format(...args);
      // The extension host dying (process.exit in a test, a crash) still yields exit code 0.
      if (/\[remote-connection\]\[ExtensionHost\].*socket close event/.test(line)) hostDropped = true;
      if (NOISE.test(line)) return;
      (type === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    page.on('pageerror', (e) => process.stderr.write(`[workbench error] ${e.message}\n`));
    await page.goto(workbenchUrl({ server: server.url, folder: ws.folder, extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: suite }));
    phase('workbench loading; tests run in the extension host');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), opts.timeoutS * 1000); });
    exitCode = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (exitCode !== 0) await page.screenshot({ path: join(OUTPUT, 'workbench-at-exit.png') }).catch(() => undefined);
  } catch (err) {
    // The server or the browser did not come up: still close what did, save the logs and clean up below.
    setupError = err instanceof Error ? err.message : String(err);
  } finally {
    await stopAll();
    removeSignalHandlers();
  }

  const results = readSuiteResults(resultsFile);
  let failed = results?.failed ?? 0;
  const passed = results?.passed ?? 0;
  const problems: string[] = [];
  if (setupError !== undefined) problems.push(`set-up failed: ${setupError}`);
  else if (exitCode === 'timeout') problems.push(`the extension host did not finish within ${opts.timeoutS} s`);
  else if (exitCode !== 0 && (results === null || results.failed === 0)) problems.push(`the extension host reported exit code ${exitCode}`);
  if (results === null) problems.push('the suite wrote no results (it did not load, or the extension host died before mocha finished)');
  if (hostDropped && results === null) problems.push('the extension host connection dropped (crash or process.exit)');
  if (problems.length > 0) failed = Math.max(failed, 1);
  for (const p of problems) process.stdout.write(`FAILED: ${p}\n`);
  if (failed > 0 && server !== undefined) {
    saveServerLogs(server, OUTPUT);
    process.stdout.write(`logs and a screenshot are in ${OUTPUT}\n`);
  }
  if (server !== undefined && !opts.keep) rmSync(server.stateDir, { recursive: true, force: true });
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work} and ${server?.stateDir ?? ''}\n`);
  phase('done');
  process.stdout.write(`integration: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

runMain('integration', main);
