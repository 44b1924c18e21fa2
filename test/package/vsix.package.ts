/**
 * The built VSIX in a fresh code-server profile, as a new user gets it: installed with
 * `--install-extension`, no checkout on any path, no native backend anywhere. The first training
 * sets TensorFlow up from the (local) package index with a progress notification, then trains on
 * it; Select Backend then lists tensorflow as ready. Only what is on screen and in the profile is
 * asserted. Every step leaves a screenshot.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { NATIVE_INSTALL, PACKAGE_TRAINING, session } from './session';

/** The value of a dashboard header fact ("Status", "Epoch", "Backend", ...) by its visible label. */
async function headerFact(frame: Frame, label: string): Promise<string> {
  const fact = frame.locator('.fact', { has: frame.locator('dt', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
  return (await fact.locator('dd').innerText({ timeout: 3000 })).trim();
}

interface DashboardFacts {
  readonly status: string;
  readonly epoch: string;
  readonly backend: string;
  readonly trainingStep: string;
  readonly bestValAcc: string;
}

/** The dashboard's header facts, or null when no webview shows a dashboard (yet). */
async function dashboardFacts(): Promise<{ frame: Frame; facts: DashboardFacts } | null> {
  const { workbench } = session();
  for (const frame of workbench.webviewFrames()) {
    const text = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
    if (!/best val\. accuracy/i.test(text)) continue;
    try {
      return {
        frame,
        facts: {
          status: await headerFact(frame, 'Status'),
          epoch: await headerFact(frame, 'Epoch'),
          backend: await headerFact(frame, 'Backend'),
          trainingStep: await headerFact(frame, 'Training step'),
          bestValAcc: await headerFact(frame, 'Best val\\. accuracy'),
        },
      };
    } catch {
      // Re-rendered between two reads: look again.
    }
  }
  return null;
}

/** The default `cnnLab.runs.folder`, inside the workspace. */
const RUNS_FOLDER = join('.cnn-lab', 'runs');

/** The summary.json of every run in the workspace's runs folder. */
function runSummaries(folder: string): { backend?: unknown; backendDetail?: unknown }[] {
  const runs = join(folder, RUNS_FOLDER);
  if (!existsSync(runs)) return [];
  return readdirSync(runs).map((r) => join(runs, r, 'summary.json')).filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')) as { backend?: unknown; backendDetail?: unknown });
}

/** The set-up's progress notification ("Setting up the native TensorFlow backend: downloading …"). */
const NATIVE_NOTE = /native/i;
const SETTING_UP = /setting up|set-up|setup|installing|downloading/i;
/** Notifications about the set-up that are not its progress: its outcome. */
const OUTCOME = /\bready\b|could not|cancel|failed|error|wasm/i;

describe('the built VSIX in a fresh code-server profile', () => {
  afterEach(async function () {
    await session().workbench.explainFailure(this.currentTest);
  });

  it('is installed in the profile\'s extensions folder (and nothing is loaded from the checkout)', () => {
    const { extensionsDir, extensionId, version } = session();
    const installed = readdirSync(extensionsDir).filter((f) => f.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
    assert.equal(installed.length, 1, `expected one ${extensionId} folder in ${extensionsDir}, found: ${readdirSync(extensionsDir).join(', ')}`);
    const dir = installed[0] ?? '';
    assert.match(dir, new RegExp(`^${extensionId.replace('.', '\\.')}-${version.replace(/\./g, '\\.')}(-linux-x64)?$`, 'i'));
    // The profile's extension list names it; the manifest VS Code kept says which platform the VSIX is for.
    const list = JSON.parse(readFileSync(join(extensionsDir, 'extensions.json'), 'utf8')) as { identifier?: { id?: string }; metadata?: { source?: string } }[];
    const entry = list.find((e) => e.identifier?.id?.toLowerCase() === extensionId.toLowerCase());
    assert.ok(entry !== undefined, `extensions.json does not list ${extensionId}`);
    assert.equal(entry.metadata?.source, 'vsix', 'it was installed from the VSIX');
    const vsixManifest = readFileSync(join(extensionsDir, dir, '.vsixmanifest'), 'utf8');
    assert.match(vsixManifest, /TargetPlatform="linux-x64"/, 'the installed VSIX is the linux-x64 one');
    const manifest = JSON.parse(readFileSync(join(extensionsDir, dir, 'package.json'), 'utf8')) as { main?: string };
    assert.ok(existsSync(join(extensionsDir, dir, manifest.main ?? 'dist/extension.js')), 'the installed extension has its entry point');
    assert.ok(!existsSync(join(extensionsDir, dir, 'node_modules')), 'the VSIX carries no node_modules (everything is bundled)');
  });

  it('opens the empty folder in the workbench', async () => {
    const { workbench, url } = session();
    await workbench.open(url);
    assert.ok(!(await workbench.page.title()).includes('Extension Development Host'), 'the window is a normal one, not an extension development host');
    await workbench.screenshot('workbench-opened');
  });

  it('"CNN Lab: Train MNIST Model" sets the native backend up (progress notification), then trains on tensorflow', async function () {
    this.timeout(12 * 60_000);
    const { workbench, timings } = session();
    const t0 = Date.now();
    await workbench.runCommand('CNN Lab: Train MNIST Model');
    timings.commandRunAt = Date.now();
    let noteFirst: number | undefined;
    let noteLast: number | undefined;
    let noteText = '';
    let dashboardFirst: number | undefined;
    let runningFirst: number | undefined;
    let runningShot = false;
    let last: DashboardFacts | undefined;
    const allNotes = new Set<string>();
    const deadline = Date.now() + 11 * 60_000;
    while (Date.now() < deadline) {
      const notes = await workbench.notifications();
      for (const n of notes) {
        allNotes.add(n);
        const took = /native tensorflow backend ready.*set up in ([\d.]+) s/i.exec(n);
        if (took !== null) timings.setupReportedMs = Number(took[1]) * 1000;
      }
      const native = notes.find((n) => NATIVE_NOTE.test(n) && SETTING_UP.test(n) && !OUTCOME.test(n));
      if (native !== undefined) {
        noteLast = Date.now();
        if (noteFirst === undefined) {
          noteFirst = noteLast;
          noteText = native;
          await workbench.screenshot('native-setup-progress');
          process.stderr.write(`[package] set-up notification: ${JSON.stringify(native)} (${((noteFirst - t0) / 1000).toFixed(1)} s after the command)\n`);
        }
      }
      const seen = await dashboardFacts();
      if (seen !== null) {
        last = seen.facts;
        dashboardFirst ??= Date.now();
        if (runningFirst === undefined && seen.facts.status === 'running') {
          runningFirst = Date.now();
        }
        if (!runningShot && seen.facts.status === 'running') {
          runningShot = true;
          await workbench.screenshot('dashboard-training');
        }
        if (/^(failed|interrupted|stopped)$/.test(seen.facts.status)) {
          await workbench.screenshot('dashboard-ended');
          throw new Error(`the run ended "${seen.facts.status}" (backend ${seen.facts.backend}, epoch ${seen.facts.epoch}); notifications seen: ${[...allNotes].join(' | ')}`);
        }
        const epoch = /^(\d+)\s*\/\s*(\d+)$/.exec(seen.facts.epoch);
        if (epoch !== null && Number(epoch[1]) >= 1 && /\d/.test(seen.facts.bestValAcc)) break;
      }
      await workbench.page.waitForTimeout(250);
    }
    const doneAt = Date.now();
    process.stderr.write(`[package] notifications seen: ${[...allNotes].map((n) => JSON.stringify(n)).join(', ') || 'none'}\n`);
    timings.commandToFirstEpochMs = doneAt - t0;
    if (noteFirst !== undefined && noteLast !== undefined) {
      timings.setupNotificationMs = noteLast - noteFirst;
      if (runningFirst !== undefined) timings.setupToTrainingMs = runningFirst - noteFirst;
      else if (dashboardFirst !== undefined) timings.setupToTrainingMs = dashboardFirst - noteFirst;
    }
    await workbench.screenshot('dashboard-epoch-done');
    assert.ok(last !== undefined, `no dashboard appeared within 11 minutes; notifications seen: ${[...allNotes].join(' | ') || 'none'}`);
    const epoch = /^(\d+)\s*\/\s*(\d+)$/.exec(last.epoch);
    assert.ok(epoch !== null && Number(epoch[1]) >= 1 && /\d/.test(last.bestValAcc),
      `the dashboard never showed a finished epoch (last: status ${last.status}, epoch ${last.epoch}, best val. accuracy ${last.bestValAcc})`);
    assert.equal(Number(epoch[2]), PACKAGE_TRAINING.epochs, `the dashboard counts to the configured ${PACKAGE_TRAINING.epochs} epochs`);
    // The Backend fact shows the trainer's detail for the native backend ("libtensorflow 2.21.0, oneDNN on").
    assert.match(last.backend, /^(tensorflow|libtensorflow)\b/i, `the dashboard's Backend reads "${last.backend}", not tensorflow`);
    assert.equal(last.trainingStep, 'direct TensorFlow step', 'under Backend, the training step: the MNIST model stays on the fast path');
    const summaries = runSummaries(session().folder);
    assert.equal(summaries.length, 1, `expected one run folder with a summary.json under ${join(session().folder, RUNS_FOLDER)}`);
    assert.equal(summaries[0]?.backend, 'tensorflow', `the run's summary.json names backend "${String(summaries[0]?.backend)}" (${String(summaries[0]?.backendDetail)})`);
    assert.ok(noteFirst !== undefined, `no progress notification about the native set-up (${NATIVE_NOTE.source}) was seen; notifications seen: ${[...allNotes].join(' | ') || 'none'}`);
    process.stderr.write(`[package] "${noteText}" shown ${((timings.setupNotificationMs ?? 0) / 1000).toFixed(1)} s; `
      + `notification → training ${((timings.setupToTrainingMs ?? NaN) / 1000).toFixed(1)} s; command → first epoch ${(timings.commandToFirstEpochMs / 1000).toFixed(1)} s\n`);
    const tab = workbench.page.locator('.tabs-container .tab', { hasText: /^\s*CNN Lab/ });
    assert.ok(await tab.count() >= 1, 'a dashboard tab titled "CNN Lab: …" is open');
  });

  it('the installed CLI exports the run to Keras (dist/keras.js, loaded on use) and imports it back to the same model file', () => {
    const { extensionsDir, extensionId, folder } = session();
    const dir = readdirSync(extensionsDir).find((f) => f.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`)) ?? '';
    const dist = join(extensionsDir, dir, 'dist');
    assert.ok(existsSync(join(dist, 'keras.js')), 'the VSIX carries dist/keras.js');
    const runs = join(folder, RUNS_FOLDER);
    const run = readdirSync(runs).map((r) => join(runs, r)).find((r) => existsSync(join(r, 'summary.json')));
    assert.ok(run !== undefined, `no run under ${runs}`);
    const out = mkdtempSync(join(tmpdir(), 'cnnlab-package-keras-'));
    try {
      const cli = (...args: string[]): string => {
        const r = spawnSync(process.execPath, [join(dist, 'cli.js'), ...args], { cwd: out, encoding: 'utf8', timeout: 120_000 });
        assert.equal(r.status, 0, `cnn-lab ${args.join(' ')} failed:\n${r.stderr}`);
        return r.stdout;
      };
      assert.equal(cli('export', run, '--format', 'keras', '--out', join(out, 'model.keras')).trim(), join(out, 'model.keras'));
      assert.ok(statSync(join(out, 'model.keras')).size > 100_000, 'a .keras file with the weights');
      cli('import', join(out, 'model.keras'), '--out', join(out, 'model.cnn.yaml'));
      assert.equal(readFileSync(join(out, 'model.cnn.yaml'), 'utf8'), readFileSync(join(run, 'model.cnn.yaml'), 'utf8'), 'export then import gives the model file trained');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('left the native install in the profile\'s global storage, from the whole wheel the local index served', () => {
    const { userDataDir, extensionId, index } = session();
    const ready = join(userDataDir, 'User', 'globalStorage', extensionId.toLowerCase(), 'native', NATIVE_INSTALL, 'ready.json');
    assert.ok(existsSync(ready), `${ready} does not exist`);
    const install = JSON.parse(readFileSync(ready, 'utf8')) as { tensorflow?: unknown; source?: unknown; wheel?: { sha256?: unknown } };
    assert.equal(install.tensorflow, '2.21.0', `${ready} names TensorFlow ${String(install.tensorflow)}`);
    assert.equal(install.wheel?.sha256, index.wheel.sha256, `${ready} records another wheel`);
    assert.ok(String(install.source).includes(index.url), `${ready} was set up from ${String(install.source)}, not from the local index ${index.url}`);
    const asked = index.requests.map((r) => `${r.method} ${r.path}${r.range !== undefined ? ` [${r.range}]` : ''} → ${r.status} (${r.bytes} bytes)`);
    process.stderr.write(`[package] index requests:\n  ${asked.join('\n  ')}\n`);
    assert.ok(index.requests.some((r) => /\/pypi\/tensorflow-cpu\/2\.21\.0\/json/.test(r.path) && r.status === 200), `the extension never asked the JSON API: ${asked.join('; ')}`);
    assert.ok(index.servedWholeWheel(), `the index did not serve the whole wheel (${index.wheelBytesServed()} of ${index.wheel.size} bytes): ${asked.join('; ')}`);
  });

  it('"CNN Lab: Select Backend" lists tensorflow as ready', async () => {
    const { workbench } = session();
    await workbench.runCommand('CNN Lab: Select Backend');
    const rows = workbench.page.locator('.quick-input-list .monaco-list-row');
    const tf = rows.filter({ has: workbench.page.locator('.label-name', { hasText: /^\s*tensorflow\b/ }) }).first();
    await tf.waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.page.waitForTimeout(300);
    const shot = await workbench.screenshot('select-backend');
    const text = (await tf.innerText()).replace(/\s+/g, ' ').trim();
    const checked = await tf.locator('.codicon-check').count() > 0;
    const all = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    process.stderr.write(`[package] Select Backend rows: ${all.map((t) => JSON.stringify(t)).join(', ')}\n`);
    assert.ok(/\bready\b/i.test(text) && !/not available|not set up|failed/i.test(text),
      `the tensorflow item does not read as ready: "${text}" (check icon: ${String(checked)}); screenshot ${shot}`);
    assert.ok(!/checkout/i.test(text), `the tensorflow item is the checkout's build, not the profile's install: "${text}"`);
    await workbench.page.keyboard.press('Escape');
    await workbench.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  });
});
