/**
 * CNN Lab in a folder the user does not trust (Restricted Mode), in a window of its own with
 * workspace trust on: the folder opens restricted; the model language still works (it runs no
 * code); every command that would train, resume or start TensorBoard says "Training is disabled in
 * untrusted workspaces…" (TensorBoard its own warning) and writes no run folder; and a restricted
 * setting of the workspace (`cnnLab.runs.folder`) is not applied until the folder is trusted,
 * when the Runs view picks it up. Screenshots in test-output/e2e/untrusted/.
 *
 * `cnnLab.trainer.nodePath` is restricted too, but it is not checked here: it is machine-scoped
 * (VS Code never applies it from a workspace, trusted or not) and only read when a trainer starts,
 * which Restricted Mode refuses before that.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../integration/prepare';
import { openOwnWindow, type OwnWindow } from './ownWindow';

const MODEL_FILE = 'small-mnist.cnn.yaml';
/** The runs folder the workspace's settings name; restricted, so ignored until the folder is trusted. */
const WORKSPACE_RUNS = 'elsewhere/runs';
/** A finished run planted in that folder: the Runs view lists it only once the setting applies. */
const PLANTED_RUN_NAME = 'shapes-fixture';
const TRAINING_REFUSED = /Training is disabled in untrusted workspaces/;

describe('CNN Lab in Restricted Mode (a folder the user does not trust)', function () {
  this.timeout(120_000);
  let win: OwnWindow | undefined;
  let failed = false;
  const w = (): OwnWindow => {
    if (win === undefined) throw new Error('the untrusted window did not open');
    return win;
  };

  before(async function () {
    this.timeout(180_000);
    win = await openOwnWindow({
      name: 'untrusted',
      workspaceTrust: true,
      workspaceSettings: { 'cnnLab.runs.folder': WORKSPACE_RUNS },
      copies: { [join(WORKSPACE_RUNS, 'planted-run')]: join(REPO_ROOT, 'test', 'fixtures', 'recorded-run') },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await win?.workbench.explainFailure(this.currentTest);
  });
  after(async () => { await win?.close(failed); });

  /** Run folders anywhere CNN Lab could have put one: the default runs folder and the workspace's. */
  function runFolders(): string[] {
    const found: string[] = [];
    for (const rel of ['.cnn-lab/runs', WORKSPACE_RUNS]) {
      const dir = join(w().folder, rel);
      if (existsSync(dir)) found.push(...readdirSync(dir).map((n) => `${rel}/${n}`));
    }
    return found.filter((f) => f !== `${WORKSPACE_RUNS}/planted-run`);
  }

  /** The notification toast whose message matches, once it shows. */
  async function toast(pattern: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await w().workbench.notifications();
      const hit = seen.find((n) => pattern.test(n));
      if (hit !== undefined) return hit;
      await w().workbench.page.waitForTimeout(250);
    }
    throw new Error(`no notification said ${what} (on screen: ${seen.map((s) => JSON.stringify(s)).join(', ') || 'none'})`);
  }

  /** Brings the model file to the front: its tab when it is open (Quick Open then lists it among the recent files), else Quick Open. */
  async function showModel(): Promise<void> {
    const { workbench } = w();
    const tab = workbench.page.locator('.tabs-container .tab', { hasText: MODEL_FILE }).first();
    if (await tab.isVisible()) {
      await tab.click();
      await workbench.activeTab(MODEL_FILE).waitFor({ state: 'visible', timeout: 10_000 });
    } else {
      await workbench.quickOpen(MODEL_FILE);
    }
  }

  /** Runs a palette command and checks the refusal: the warning, its trust button, and no run folder. */
  async function refused(title: string, pattern: RegExp, shot: string): Promise<void> {
    const { workbench } = w();
    await workbench.clearNotifications();
    await workbench.runCommand(title);
    const message = await toast(pattern, `"${pattern.source}" after "${title}"`);
    const button = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: pattern })
      .locator('.monaco-button', { hasText: 'Manage Workspace Trust' });
    assert.ok(await button.first().isVisible(), `the warning "${message}" offers "Manage Workspace Trust"`);
    await workbench.screenshot(shot);
    // A refused command returns at once; a run would have made its folder by now.
    await workbench.page.waitForTimeout(1500);
    assert.deepEqual(runFolders(), [], `"${title}" wrote no run folder`);
  }

  it('the folder opens in Restricted Mode', async function () {
    this.timeout(180_000);
    const { workbench, url } = w();
    const page = workbench.page;
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
    // VS Code asks once whether the user trusts the folder's authors: the user says no.
    const dialog = page.locator('.monaco-dialog-box', { hasText: /trust the authors/i });
    if (await dialog.waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false)) {
      await workbench.screenshot('trust-prompt');
      await dialog.locator('.monaco-button', { hasText: /No, I don.t trust/i }).first().click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    }
    await page.waitForSelector('.explorer-folders-view', { state: 'attached', timeout: 90_000 });
    const restricted = page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' });
    await restricted.first().waitFor({ state: 'visible', timeout: 30_000 });
    const banner = page.locator('.part.banner', { hasText: /Restricted Mode/ });
    assert.ok(await banner.first().isVisible(), 'the Restricted Mode banner is shown');
    await workbench.screenshot('restricted-mode');
  });

  it('the model language still works: a hover on a layer and a squiggle on an unknown layer', async () => {
    const { workbench } = w();
    const page = workbench.page;
    await workbench.quickOpen(MODEL_FILE);
    const language = page.locator('.statusbar-item#status\\.editor\\.mode');
    await language.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await language.innerText(), /CNN Model/);
    // The language server answers a hover on the first conv layer with its Keras class.
    const conv = workbench.editor().locator('.view-line span', { hasText: /^conv2d$/ }).first();
    await conv.waitFor({ state: 'visible', timeout: 30_000 });
    const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents', { hasText: /Conv2D/ }).first();
    const deadline = Date.now() + 30_000;
    // The server starts with the first model file: hover again until it answers.
    while (!(await hover.isVisible())) {
      if (Date.now() > deadline) throw new Error('no hover on "conv2d" in Restricted Mode');
      await page.mouse.move(0, 0);
      await conv.hover();
      await hover.waitFor({ state: 'visible', timeout: 3000 }).catch(() => undefined);
    }
    await page.waitForTimeout(300); // the hover fades in
    await workbench.screenshot('restricted-hover');
    await page.keyboard.press('Escape');

    await workbench.quickOpen('unknown-layer.cnn.yaml');
    await workbench.errorSquiggles().first().waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.waitForProblems((c) => c.errors >= 1, 'an error for the unknown layer');
    await workbench.screenshot('restricted-diagnostics');
  });

  it('the Runs view does not apply the workspace\'s restricted runs folder', async () => {
    const { workbench } = w();
    const page = workbench.page;
    const icon = page.locator('.activitybar .action-item a[aria-label^="CNN Lab"], .activitybar .action-item[aria-label^="CNN Lab"]').first();
    await icon.waitFor({ state: 'visible', timeout: 30_000 });
    await icon.click();
    const runs = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Runs/ }) }).first();
    await runs.locator('.welcome-view-content, .monaco-list').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForTimeout(1500); // the tree asks the extension for its items
    assert.equal(await runs.locator('.monaco-list-row', { hasText: PLANTED_RUN_NAME }).count(), 0,
      `the Runs view lists the run in the workspace's ${WORKSPACE_RUNS}: the restricted cnnLab.runs.folder was applied`);
    await workbench.screenshot('restricted-runs-view');
  });

  it('"Train Model" on the open model file is refused and trains nothing', async () => {
    await showModel();
    await refused('CNN Lab: Train Model', TRAINING_REFUSED, 'refused-train-model');
  });

  it('the model file\'s "Train" CodeLens is refused and trains nothing', async () => {
    const { workbench } = w();
    await showModel();
    await workbench.clearNotifications();
    const lens = workbench.editor().locator('.codelens-decoration a', { hasText: /Train/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    await toast(TRAINING_REFUSED, 'the training refusal after the Train CodeLens');
    await workbench.screenshot('refused-train-codelens');
    await workbench.page.waitForTimeout(1500);
    assert.deepEqual(runFolders(), [], 'the CodeLens wrote no run folder');
  });

  it('"Train MNIST Model" is refused and copies or trains nothing', async () => {
    await refused('CNN Lab: Train MNIST Model', TRAINING_REFUSED, 'refused-train-mnist');
    assert.ok(!existsSync(join(w().folder, 'mnist.cnn.yaml')), 'the MNIST example was not copied into the workspace');
  });

  it('"Compare Dropout Placements" is refused and trains nothing', async () => {
    await showModel();
    await refused('CNN Lab: Compare Dropout Placements', TRAINING_REFUSED, 'refused-compare-dropout');
    assert.ok(!existsSync(join(w().folder, '.cnn-lab', 'runs', 'experiments')), 'no experiment folder');
  });

  it('"Compare Colour and Grayscale", "Resume Run" and "Resume Experiment" are refused', async () => {
    await refused('CNN Lab: Compare Colour and Grayscale', TRAINING_REFUSED, 'refused-compare-colour');
    await refused('CNN Lab: Resume Run', TRAINING_REFUSED, 'refused-resume-run');
    await refused('CNN Lab: Resume Experiment', TRAINING_REFUSED, 'refused-resume-experiment');
  });

  it('"Open Runs in TensorBoard" is refused', async () => {
    await refused('CNN Lab: Open Runs in TensorBoard', /TensorBoard is disabled in untrusted workspaces/, 'refused-tensorboard');
  });

  it('once the user trusts the folder, the workspace\'s runs folder applies: the Runs view lists its run', async function () {
    this.timeout(120_000);
    const { workbench } = w();
    const page = workbench.page;
    await workbench.clearNotifications();
    await workbench.runCommand('Workspaces: Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^\s*Trust\b/ }).first();
    await trust.waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('trust-editor');
    await trust.click();
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    const runs = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Runs/ }) }).first();
    const planted = runs.locator('.monaco-list-row', { hasText: PLANTED_RUN_NAME }).first();
    const icon = page.locator('.activitybar .action-item a[aria-label^="CNN Lab"], .activitybar .action-item[aria-label^="CNN Lab"]').first();
    if (!(await runs.isVisible())) await icon.click();
    await planted.waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('trusted-runs-view');
  });
});
