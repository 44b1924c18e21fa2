/**
 * `npm run test:e2e`: CNN Lab driven through the real VS Code workbench (code-server 4.96.4) in
 * headless Debian chromium, as a new user would use it. Screenshots of every step go to
 * test-output/e2e/. Prints mocha's report and a last line `e2e: N passed, M failed`; exit status 0
 * only when every step passed.
 *
 *   npx tsx test/e2e/run.ts [--no-build] [--keep] [--grep <regexp>]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import { launchChromium, workbenchUrl, type Browser } from '../../scripts/code-server/browser';
import { startCodeServer, type CodeServer } from '../../scripts/code-server/server';
import { ensureCodeServer } from '../../scripts/code-server/setup';
import { REPO_ROOT, buildExtension, prepareWorkspace } from '../integration/prepare';
import { phaseLogger, runMain, saveServerLogs, stopOnSignal } from '../integration/runner';
import { E2E_TRAINING, setSession } from './session';
import { Workbench } from './workbench';

const OUTPUT = join(REPO_ROOT, 'test-output', 'e2e');

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const keep = argv.includes('--keep');
  const grepAt = argv.indexOf('--grep');
  const grep = grepAt >= 0 ? argv[grepAt + 1] : undefined;
  const phase = phaseLogger('e2e', Date.now());
  const setup = ensureCodeServer();
  phase(setup.installed ? 'code-server installed' : 'code-server ready (cached)');
  if (!argv.includes('--no-build')) { buildExtension(); phase('extension built'); }
  rmSync(OUTPUT, { recursive: true, force: true });
  mkdirSync(OUTPUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'cnne2e-'));
  const ws = prepareWorkspace(join(work, 'workspace'), {
    'cnnLab.training.epochs': E2E_TRAINING.epochs,
    'cnnLab.training.maxTrainSamples': E2E_TRAINING.maxTrainSamples,
  });

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const stopAll = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
  };
  const removeSignalHandlers = stopOnSignal(stopAll);
  let passed = 0;
  let failed = 0;
  try {
    server = await startCodeServer({ folder: ws.folder });
    phase(`code-server listening on ${server.url}`);
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[workbench error] ${e.message}\n`));
    const external = new Set<string>();
    page.on('request', (r) => {
      const u = new URL(r.url());
      // Webview resources use *.vscode-resource.vscode-cdn.net URLs that the webview's service worker
      // answers from the server; they never leave the machine.
      if (/^https?:$/.test(u.protocol) && u.hostname !== '127.0.0.1' && !u.hostname.endsWith('.vscode-resource.vscode-cdn.net')) external.add(u.origin);
    });
    const url = workbenchUrl({ server: server.url, folder: ws.folder, extensionDevelopmentPath: REPO_ROOT });
    setSession({ workbench: new Workbench(page, OUTPUT), url, folder: ws.folder });

    const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 120_000, color: false, ...(grep !== undefined ? { grep } : {}) });
    for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.e2e.ts')).sort()) mocha.addFile(join(__dirname, f));
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => { passed++; });
      runner.on('fail', () => { failed++; });
    });
    if (external.size > 0) process.stdout.write(`note: the workbench contacted ${[...external].join(', ')}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    failed = Math.max(failed, 1);
  } finally {
    if (failed > 0 && server !== undefined) saveServerLogs(server, OUTPUT);
    await stopAll();
    removeSignalHandlers();
  }
  if (!keep) {
    rmSync(work, { recursive: true, force: true });
    if (server !== undefined) rmSync(server.stateDir, { recursive: true, force: true });
  } else {
    process.stdout.write(`kept ${work} and ${server?.stateDir ?? ''}\n`);
  }
  process.stdout.write(`screenshots: ${OUTPUT}\n`);
  phase('done');
  process.stdout.write(`e2e: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

runMain('e2e', main);
