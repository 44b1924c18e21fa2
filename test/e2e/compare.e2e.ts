/**
 * "Compare Dropout Placements" as a student runs it in the workbench, in a window of its own
 * (the reload would otherwise reload the shared one): from the Command Palette on the open model
 * file, on tiny data (the workspace's epochs and sample cap), until the comparison panel's curves
 * and tables show every variant's numbers; the experiment in the Runs view, above its runs, with
 * its status, reopening the comparison when clicked; and the panel restored with the same numbers
 * after "Developer: Reload Window". Screenshots in test-output/e2e/compare/.
 */
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { openOwnWindow, type OwnWindow } from './ownWindow';
import { inkPixels } from './workbench';

const MODEL_FILE = 'small-mnist.cnn.yaml';
const EPOCHS = 2;
const PANEL_TITLE = 'Compare Dropout Placements: small-mnist';
const VARIANTS = ['none', 'afterFlatten', 'afterEveryConvBlock'];
const PERCENT = /^\d{1,3}(\.\d+)?\s?%$/;
const POINTS = /^[+−]\d+\.\d{2} pp$/;
const SIGNED = /^[+−]\d+\.\d{4}$/;

/** What the user reads in the panel's results table: per variant row, its cells by column. */
type Results = Record<string, Record<string, string>>;

async function results(frame: Frame): Promise<Results> {
  const out: Results = {};
  for (const row of await frame.locator('#results tbody tr').all()) {
    const key = (await row.getAttribute('data-variant')) ?? '?';
    const cells: Record<string, string> = {};
    for (const td of await row.locator('td').all()) cells[(await td.getAttribute('data-col')) ?? '?'] = (await td.innerText()).trim();
    out[key] = cells;
  }
  return out;
}

describe('the dropout comparison in the VS Code workbench', function () {
  this.timeout(120_000);
  let win: OwnWindow | undefined;
  let failed = false;
  let shown: Results | undefined;
  const w = (): OwnWindow => {
    if (win === undefined) throw new Error('the comparison window did not open');
    return win;
  };

  before(async function () {
    this.timeout(180_000);
    win = await openOwnWindow({
      name: 'compare',
      workspaceSettings: { 'cnnLab.training.epochs': EPOCHS, 'cnnLab.training.maxTrainSamples': 256 },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await win?.workbench.explainFailure(this.currentTest);
  });
  after(async () => { await win?.close(failed); });

  /** The comparison panel's page, once it has shown the finished experiment. */
  async function finishedPanel(timeoutMs: number): Promise<Frame> {
    const { workbench } = w();
    const frame = await workbench.webviewWithText(new RegExp(PANEL_TITLE), 'the comparison panel', 60_000);
    const deadline = Date.now() + timeoutMs;
    let status: string | null = null;
    while (Date.now() < deadline) {
      status = await frame.locator('body').getAttribute('data-status', { timeout: 2000 }).catch(() => null);
      if (status === 'completed') return frame;
      await workbench.page.waitForTimeout(500);
    }
    throw new Error(`the comparison never completed (status ${String(status)}): ${(await workbench.frameText(frame).catch(() => '')).slice(0, 400)}`);
  }

  /** Checks the panel's tables and curves as numbers a reader sees; returns the results table. */
  async function checkPanel(frame: Frame, shot: string): Promise<Results> {
    const { workbench } = w();
    const r = await results(frame);
    assert.deepEqual(Object.keys(r), VARIANTS, 'one results row per variant, in order');
    for (const [key, cells] of Object.entries(r)) {
      assert.equal(cells.epochs, String(EPOCHS), `${key}: epochs`);
      for (const col of ['acc', 'valAcc', 'testAcc']) assert.match(cells[col] ?? '', PERCENT, `${key}: ${col}`);
      assert.match(cells.accGap ?? '', POINTS, `${key}: accuracy gap`);
      assert.match(cells.lossGap ?? '', SIGNED, `${key}: loss gap`);
    }
    // The gap at each epoch: one row per epoch, an accuracy and a loss gap per variant.
    assert.equal(await frame.locator('#gaps tbody tr').count(), EPOCHS);
    for (const td of await frame.locator('#gaps tbody td[data-col="accGap"]').allInnerTexts()) assert.match(td.trim(), POINTS);
    assert.equal(await frame.locator('#gaps tbody td[data-col="accGap"]').count(), EPOCHS * VARIANTS.length);
    // Both charts: every variant's training and validation curve over the epochs, drawn.
    for (const id of ['chart-loss', 'chart-acc']) {
      const fig = frame.locator(`figure#${id}`);
      assert.equal(await fig.getAttribute('data-points'), String(EPOCHS), `${id} epochs`);
      assert.equal(await fig.getAttribute('data-series'), String(VARIANTS.length * 2), `${id} curves`);
      const ink = await inkPixels(await fig.locator('.uplot canvas').first().screenshot());
      assert.ok(ink > 500, `${id} draws its curves (${ink} drawn pixels)`);
    }
    // The "finished" toast would cover the panel's lower right in the screenshots.
    await workbench.clearNotifications();
    await workbench.screenshot(shot);
    await workbench.elementScreenshot(frame.locator('#curves'), `${shot}-curves`);
    await workbench.elementScreenshot(frame.locator('#result-section'), `${shot}-results`);
    await workbench.elementScreenshot(frame.locator('#gap-section'), `${shot}-gaps`);
    return r;
  }

  it('Compare Dropout Placements from the Command Palette fills the comparison\'s curves and tables', async function () {
    this.timeout(300_000);
    const { workbench, url } = w();
    await workbench.open(url);
    await workbench.quickOpen(MODEL_FILE);
    await workbench.runCommand('CNN Lab: Compare Dropout Placements');
    const frame = await finishedPanel(240_000);
    await workbench.page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first().waitFor({ state: 'visible', timeout: 10_000 });
    const text = await workbench.frameText(frame);
    for (const v of ['No dropout', 'Dropout after flatten (recommended)', 'Dropout after every conv block']) assert.ok(text.includes(v), `the panel names "${v}"`);
    shown = await checkPanel(frame, 'comparison-finished');
  });

  it('the Runs view lists the experiment above its runs, and clicking it opens the comparison', async () => {
    const { workbench } = w();
    const page = workbench.page;
    // Close the panel first, so that the click is what opens it.
    await page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first().click();
    await workbench.runCommand('View: Close Editor');
    await page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first().waitFor({ state: 'detached', timeout: 10_000 });

    const icon = page.locator('.activitybar .action-item a[aria-label^="CNN Lab"], .activitybar .action-item[aria-label^="CNN Lab"]').first();
    await icon.waitFor({ state: 'visible', timeout: 30_000 });
    await icon.click();
    const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Runs/ }) }).first();
    const experiment = view.locator('.monaco-list-row', { hasText: 'Dropout placements: small-mnist' }).first();
    await experiment.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = (await view.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const at = rows.findIndex((t) => t.includes('Dropout placements: small-mnist'));
    assert.match(rows[at] ?? '', /completed · 3\/3 variants · \S/i, `the experiment's row says its variants and status (rows: ${rows.join(' | ')})`);
    const runRows = rows.map((t, i) => [t, i] as const).filter(([t]) => /small-mnist-(no-dropout|dropout-flatten|dropout-blocks)/.test(t));
    assert.equal(runRows.length, VARIANTS.length, `each variant's run is listed (rows: ${rows.join(' | ')})`);
    assert.ok(runRows.every(([, i]) => i > at), 'the experiment is listed above the runs');
    await workbench.screenshot('runs-view-experiment');

    await experiment.click();
    await page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const frame = await finishedPanel(30_000);
    assert.deepEqual(await results(frame), shown, 'the reopened comparison shows the same results');
    await workbench.screenshot('comparison-from-runs-view');
  });

  it('after "Developer: Reload Window" the comparison panel comes back with its curves and tables', async function () {
    this.timeout(180_000);
    const { workbench } = w();
    const page = workbench.page;
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
    await page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first().waitFor({ state: 'visible', timeout: 60_000 });
    const frame = await finishedPanel(60_000);
    const r = await checkPanel(frame, 'comparison-after-reload');
    assert.deepEqual(r, shown, 'the restored comparison shows the same results');
  });
});
