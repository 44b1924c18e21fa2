/**
 * `npm run test:package`: the built VSIX (`npm run package`) installed into a fresh code-server
 * profile (empty --extensions-dir and --user-data-dir, an empty workspace folder, an empty
 * CNN_LAB_CACHE, nothing of the checkout on any path), driven in headless chromium. The first
 * training sets the native backend up from the real tensorflow-cpu wheel, served by a local
 * PyPI-compatible index (`cnnLab.native.packageIndex`) instead of pypi.org, then trains on it.
 * Screenshots go to test-output/package/. Prints mocha's report and a last line
 * `package: N passed, M failed`; exit status 0 only when every step passed.
 *
 *   npx tsx test/package/run.ts [--no-build] [--keep] [--grep <regexp>] [--time-limit <seconds>]
 *
 * --no-build uses the VSIX in the repository root when it exists (else builds it); --keep leaves the
 * temp profile; --time-limit replaces the 20-minute hard limit (after which everything is killed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import { launchChromium, workbenchUrl, type Browser } from '../../scripts/code-server/browser';
import { cacheRoot, codeServerEntry, codeServerHome } from '../../scripts/code-server/paths';
import { codeServerEnv, startCodeServer, type CodeServer } from '../../scripts/code-server/server';
import { ensureCodeServer } from '../../scripts/code-server/setup';
import { Workbench } from '../e2e/workbench';
import { REPO_ROOT } from '../integration/prepare';
import { phaseLogger, runMain, saveServerLogs, stopOnSignal } from '../integration/runner';
import { PACKAGE_TRAINING, TF_WHEEL, setSession, type PackageSession } from './session';
import { describeWheel, findOrDownloadWheel, startWheelIndex, type WheelIndex } from './wheelIndex';

const OUTPUT = join(REPO_ROOT, 'test-output', 'package');
/** Everything (build, install, set-up, training) must be over by then; the runner kills what it started and fails. */
const DEFAULT_HARD_LIMIT_S = 20 * 60;
const LAYER = 'package';

interface Manifest { readonly name: string; readonly publisher: string; readonly version: string }

function manifest(): Manifest {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
}

/** `npm run package` (scripts/package.ts), unless --no-build and the VSIX is there; returns its path. */
function buildVsix(m: Manifest, build: boolean, phase: (l: string) => void): string {
  const vsix = join(REPO_ROOT, `${m.name}-${m.version}-linux-x64.vsix`);
  if (!build && existsSync(vsix)) {
    phase(`using ${vsix} (--no-build)`);
    return vsix;
  }
  const r = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 });
  if (r.status !== 0) throw new Error(`npm run package failed (exit ${String(r.status ?? r.signal)})`);
  if (!existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
  phase(`VSIX built: ${vsix} (${(statSync(vsix).size / 2 ** 20).toFixed(1)} MiB)`);
  return vsix;
}

/** code-server's own `--install-extension`, into the fresh profile, as a user installs a downloaded VSIX. */
function installVsix(vsix: string, extensionsDir: string, userDataDir: string, stateDir: string): string {
  const r = spawnSync(process.execPath, [codeServerEntry(codeServerHome()),
    '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 3 * 60_000,
    env: codeServerEnv(stateDir),
  });
  const out = `${String(r.stdout)}${String(r.stderr)}`.trim();
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${String(r.status ?? r.signal)}):\n${out.slice(-3000)}`);
  }
  return out;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const keep = argv.includes('--keep');
  const grepAt = argv.indexOf('--grep');
  const grep = grepAt >= 0 ? argv[grepAt + 1] : undefined;
  const limitAt = argv.indexOf('--time-limit');
  const hardLimitMs = (limitAt >= 0 ? Number(argv[limitAt + 1]) : DEFAULT_HARD_LIMIT_S) * 1000;
  if (!Number.isFinite(hardLimitMs) || hardLimitMs <= 0) throw new Error('--time-limit takes a number of seconds');
  const t0 = Date.now();
  const phase = phaseLogger(LAYER, t0);
  const m = manifest();
  const extensionId = `${m.publisher}.${m.name}`;

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let index: WheelIndex | undefined;
  let work: string | undefined;
  let stopped: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopped ??= (async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      await index?.close().catch(() => undefined);
    })();
    return stopped;
  };
  const removeTemp = (): void => {
    if (work === undefined) return;
    if (keep) process.stdout.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  const removeSignalHandlers = stopOnSignal(async () => { await stopAll(); removeTemp(); });
  const hardLimit = setTimeout(() => {
    process.stderr.write(`[${LAYER}] FAILED: the hard time limit of ${hardLimitMs / 1000} s was reached; stopping code-server, chromium and the index\n`);
    if (server !== undefined) { try { saveServerLogs(server, OUTPUT); } catch { /* best effort */ } }
    void stopAll().finally(() => {
      removeTemp();
      process.stdout.write(`${LAYER}: 0 passed, 1 failed\n`);
      process.exit(1);
    });
  }, hardLimitMs);

  let passed = 0;
  let failed = 0;
  const timings: Record<string, number> = {};
  try {
    const setup = ensureCodeServer();
    phase(setup.installed ? 'code-server installed' : 'code-server ready (cached)');
    const vsix = buildVsix(m, !argv.includes('--no-build'), phase);
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });

    // The real wheel, from the cache provision-native.mjs keeps (the checkout's own cache, read here only).
    const wheelPath = findOrDownloadWheel(join(cacheRoot(), 'native', 'downloads'), TF_WHEEL.project, TF_WHEEL.version, phase);
    const wheel = await describeWheel(wheelPath);
    index = await startWheelIndex(wheel, TF_WHEEL.project, TF_WHEEL.version);
    phase(`package index on ${index.url}: ${wheel.filename} (${(wheel.size / 2 ** 20).toFixed(0)} MiB, sha256 ${wheel.sha256.slice(0, 12)}…)`);

    // A fresh profile: short temp paths (unix sockets live inside), all empty.
    work = mkdtempSync(join(tmpdir(), 'cnnpkg-'));
    const stateDir = join(work, 's');
    const userDataDir = join(stateDir, 'data');
    const extensionsDir = join(stateDir, 'exts');
    const folder = join(work, 'ws');
    const emptyCache = join(work, 'cache');
    const dataDir = join(work, 'data');
    for (const d of [userDataDir, extensionsDir, join(stateDir, 'tmp'), join(stateDir, 'xdg-data'), join(stateDir, 'xdg-config'), folder, emptyCache, dataDir]) {
      mkdirSync(d, { recursive: true });
    }
    const installOut = installVsix(vsix, extensionsDir, userDataDir, stateDir);
    phase(`installed: ${installOut.split('\n').filter((l) => /install/i.test(l)).pop() ?? installOut}`);

    // The checkout's CNN_LAB_* variables (an addon path, an offline-data folder) must not reach the
    // installed extension; CNN_LAB_CACHE points at an empty folder so nothing provisioned is reused.
    const env: Record<string, string> = {};
    for (const k of Object.keys(process.env)) if (k.startsWith('CNN_LAB_')) env[k] = '';
    env.CNN_LAB_CACHE = emptyCache;
    server = await startCodeServer({
      stateDir,
      folder,
      env,
      userSettings: {
        'cnnLab.native.packageIndex': index.url,
        'cnnLab.training.epochs': PACKAGE_TRAINING.epochs,
        'cnnLab.training.maxTrainSamples': PACKAGE_TRAINING.maxTrainSamples,
        // MNIST from the copy shipped in the VSIX: no mirror is reachable (a closed loopback port).
        'cnnLab.data.mnistMirrors': ['http://127.0.0.1:9/'],
        'cnnLab.data.cacheDir': dataDir,
      },
    });
    phase(`code-server listening on ${server.url} (fresh profile ${stateDir}, workspace ${folder})`);
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[workbench error] ${e.message}\n`));
    // No extensionDevelopmentPath: the window runs the installed VSIX only.
    const url = workbenchUrl({ server: server.url, folder });
    const s: PackageSession = {
      workbench: new Workbench(page, OUTPUT), url, folder, userDataDir, extensionsDir, extensionId, version: m.version, index, timings,
    };
    setSession(s);

    const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 120_000, color: false, ...(grep !== undefined ? { grep } : {}) });
    for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.package.ts')).sort()) mocha.addFile(join(__dirname, f));
    const mochaStart = Date.now();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => { passed++; });
      runner.on('fail', () => { failed++; });
    });
    timings.stepsMs = Date.now() - mochaStart;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    failed = Math.max(failed, 1);
  } finally {
    clearTimeout(hardLimit);
    if (failed > 0 && server !== undefined) { try { saveServerLogs(server, OUTPUT); } catch { /* best effort */ } }
    await stopAll();
    removeSignalHandlers();
    removeTemp();
  }
  const secs = (ms: number | undefined): string => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
  process.stdout.write(`set-up notification shown ${secs(timings.setupNotificationMs)} (the extension reports ${secs(timings.setupReportedMs)}); `
    + `notification → training ${secs(timings.setupToTrainingMs)}; `
    + `command → first epoch ${secs(timings.commandToFirstEpochMs)}; wall ${secs(Date.now() - t0)}\n`);
  process.stdout.write(`screenshots: ${OUTPUT}\n`);
  phase('done');
  process.stdout.write(`${LAYER}: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

runMain(LAYER, main);
