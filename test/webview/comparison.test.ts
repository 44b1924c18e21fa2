/**
 * The comparison panel bundle in headless Chromium, fed the comparison of real experiments: a
 * dropout and a colour comparison trained on small data by `cnn-lab compare` (the host's
 * ExperimentRunner with the real trainer), read back as the extension reads them
 * (`readComparison`). Every number the page shows is checked against the run folders'
 * metrics.jsonl and summary.json; the curves hold every variant's training and validation series;
 * the page updates live, asks the host for a variant's dashboard, a stop and a resume, and fits
 * half a window.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { listExperiments, readComparison } from '../../src/host/experiment';
import { readRun } from '../../src/host/runStore';
import type { ComparisonState, HostToComparisonMessage } from '../../src/shared/comparison';
import { compact, groupDigits } from '../../src/shared/format';
import { formatPercent } from '../../webview/common/math';
import { distinctColours, OUTPUT, pageLog, postToPage, ROOT, startHarness, until, type Harness } from './harness';

const BIN = path.join(ROOT, 'bin/cnn-lab.js');
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';

/** Trains a comparison with the CLI on small data; its state as the extension reads it. */
function compare(tmp: string, kind: 'dropout' | 'colour', model: string): Promise<ComparisonState> {
  const file = path.join(tmp, `${kind}.cnn.yaml`);
  writeFileSync(file, readFileSync(path.join(ROOT, model), 'utf8'));
  const runs = path.join(tmp, `runs-${kind}`);
  const r = spawnSync(process.execPath, [BIN, 'compare', kind, file, '--epochs', '2', '--max-train-samples', '256', '--max-test-samples', '100',
    '--mirror', DEAD_MIRROR, '--out', runs], { encoding: 'utf8', env: { ...process.env, CNN_LAB_DATA_DIR: path.join(tmp, 'data'), CI: '1' } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return listExperiments(runs).then((list) => readComparison(list[0]?.dir ?? ''));
}

async function cell(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? '').trim();
}

const points = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)} pp`;
const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;

describe('comparison webview (real experiments)', function () {
  this.timeout(120_000);
  let harness: Harness;
  let tmp: string;
  let dropout: ComparisonState;
  let colour: ComparisonState;
  before(async function () {
    this.timeout(120_000);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-compare-page-'));
    dropout = await compare(tmp, 'dropout', 'test/fixtures/workspace/models/small-mnist.cnn.yaml');
    colour = await compare(tmp, 'colour', 'examples/shapes-rgb.cnn.yaml');
    harness = await startHarness();
  });
  after(async function () {
    await harness?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('dropout: every variant\'s curves overlaid, its results and the gap at each epoch as in its run folder', async function () {
    const page = await harness.open('comparison');
    assert.deepEqual((await pageLog(page)).sent[0], { type: 'ready' });
    await postToPage(page, { type: 'comparisonState', state: dropout, l10n: null } satisfies HostToComparisonMessage);
    await page.waitForSelector('#gaps');

    assert.equal(await cell(page, '#title'), `Compare Dropout Placements: ${dropout.name}`);
    assert.deepEqual(await page.$$eval('#variants li', (li: { dataset: { variant?: string } }[]) => li.map((l) => l.dataset.variant)), ['none', 'afterFlatten', 'afterEveryConvBlock']);
    for (const id of ['chart-loss', 'chart-acc']) {
      assert.equal(await page.getAttribute(`#${id}`, 'data-series'), '6', `${id}: training and validation of 3 variants`);
      assert.equal(await page.getAttribute(`#${id}`, 'data-points'), '2');
      assert.ok(await distinctColours(page, `#${id} canvas`) > 3, `${id} is drawn`);
    }
    // Every legend entry names its variant and whether it is training or validation.
    const legend = await page.$$eval('#chart-acc .u-legend .u-label', (l: { textContent: string | null }[]) => l.map((x) => x.textContent));
    assert.ok(legend.includes('No dropout · training') && legend.includes('Dropout after every conv block · validation'), legend.join(' | '));

    for (const v of dropout.variants) {
      const run = await readRun(v.runDir ?? '');
      const epochs = run.metrics.filter((m) => m.kind === 'epoch');
      const last = epochs[epochs.length - 1];
      assert.ok(last !== undefined && last.kind === 'epoch' && last.valAcc !== null && last.valLoss !== null);
      const row = `#results tr[data-variant="${v.key}"]`;
      assert.equal(await cell(page, `${row} td[data-col="testAcc"]`), formatPercent(run.summary?.testAcc ?? null));
      assert.equal(await cell(page, `${row} td[data-col="valAcc"]`), formatPercent(last.valAcc));
      assert.equal(await cell(page, `${row} td[data-col="accGap"]`), points(last.acc - last.valAcc));
      for (const e of epochs) {
        if (e.kind !== 'epoch' || e.valAcc === null || e.valLoss === null) continue;
        const gap = `#gaps tr[data-epoch="${e.epoch}"] td[data-variant="${v.key}"]`;
        assert.equal(await cell(page, `${gap}[data-col="accGap"]`), points(e.acc - e.valAcc), `${v.key} epoch ${e.epoch}`);
        assert.equal(await cell(page, `${gap}[data-col="lossGap"]`), signed(e.valLoss - e.loss));
      }
    }
    // Every number has a header.
    const headers = await page.$$eval('#results thead th', (t: { textContent: string | null }[]) => t.map((x) => x.textContent));
    assert.deepEqual(headers, ['Variant', 'Epochs', 'Training accuracy', 'Validation accuracy', 'Accuracy gap (training − validation)', 'Loss gap (validation − training)', 'Test accuracy']);

    await page.click('#variants li[data-variant="afterFlatten"] button.link');
    await until(page, "window.__log.sent.some((m) => m.type === 'openRun')");
    assert.deepEqual((await pageLog(page)).sent.find((m) => (m as { type: string }).type === 'openRun'), { type: 'openRun', runDir: dropout.variants[1]?.runDir });
    assert.equal(await page.$('#stop'), null, 'a finished experiment has no Stop');
    assert.equal(await page.$('#resume'), null);

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.screenshot({ path: path.join(OUTPUT, 'comparison-dropout.png'), fullPage: true });

    // Half a 1200 px window: one chart column, nothing wider than the panel but the tables' own scroll.
    await page.setViewportSize({ width: 600, height: 900 });
    await until(page, 'document.querySelector("#chart-acc canvas").getBoundingClientRect().width <= 600');
    assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), 'the page does not scroll sideways at half width');
    await page.screenshot({ path: path.join(OUTPUT, 'comparison-dropout-half.png'), fullPage: true });
    await page.close();
  });

  it('updates live while a variant trains, offers Stop, and Resume once stopped', async function () {
    const page = await harness.open('comparison', 'light');
    const running: ComparisonState = {
      ...dropout, status: 'running', current: 1, resumable: false,
      variants: dropout.variants.map((v, i) => (i === 0 ? v : i === 1
        ? { ...v, status: 'running', epochs: v.epochs.slice(0, 1), testAcc: null, testLoss: null }
        : { ...v, status: 'pending', runDir: null, epochs: [], totalEpochs: null, testAcc: null, testLoss: null, backend: null })),
    };
    await postToPage(page, { type: 'comparisonState', state: running, l10n: null } satisfies HostToComparisonMessage);
    await page.waitForSelector('#stop');
    assert.equal(await cell(page, '#gaps tr[data-epoch="2"] td[data-variant="afterFlatten"][data-col="accGap"]'), '–', 'epoch 2 not trained yet');
    assert.equal(await cell(page, '#results tr[data-variant="afterEveryConvBlock"] td[data-col="testAcc"]'), '–');
    assert.equal(await page.$('#variants li[data-variant="afterEveryConvBlock"] button.link'), null, 'no dashboard before its run exists');
    await page.click('#stop');
    await until(page, "window.__log.sent.some((m) => m.type === 'stopExperiment')");

    // The next epoch arrives: the same page, one state later.
    await postToPage(page, { type: 'comparisonState', state: { ...running, variants: running.variants.map((v, i) => (i === 1 ? { ...v, epochs: dropout.variants[1]?.epochs ?? [] } : v)) }, l10n: null });
    await until(page, 'document.body.dataset.epochs === "4"');
    const e2 = dropout.variants[1]?.epochs[1];
    assert.ok(e2 !== undefined && e2.valAcc !== null);
    assert.equal(await cell(page, '#gaps tr[data-epoch="2"] td[data-variant="afterFlatten"][data-col="accGap"]'), points(e2.acc - e2.valAcc));

    await postToPage(page, { type: 'comparisonState', state: { ...running, status: 'stopped', current: null, resumable: true, variants: running.variants.map((v, i) => (i === 1 ? { ...v, status: 'stopped' } : v)) }, l10n: null });
    await page.waitForSelector('#resume');
    assert.equal(await page.$('#stop'), null);
    await page.click('#resume');
    await until(page, "window.__log.sent.some((m) => m.type === 'resumeExperiment')");
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });

  it('colour: parameters, MACs, seconds per epoch and accuracy of RGB against grayscale', async function () {
    const page = await harness.open('comparison');
    await postToPage(page, { type: 'comparisonState', state: colour, l10n: null } satisfies HostToComparisonMessage);
    await page.waitForSelector('#results');
    assert.equal(await page.$('#gaps'), null, 'the gap table belongs to the dropout comparison');
    assert.equal(await page.getAttribute('#chart-loss', 'data-series'), '4');
    for (const v of colour.variants) {
      const run = await readRun(v.runDir ?? '');
      const epochs = run.metrics.filter((m) => m.kind === 'epoch');
      const row = `#results tr[data-variant="${v.key}"]`;
      assert.equal(await cell(page, `${row} td[data-col="params"]`), groupDigits(v.totalParams));
      assert.equal(await cell(page, `${row} td[data-col="macs"]`), `${compact(v.totalMacs)} (${groupDigits(v.totalMacs)})`);
      const mean = epochs.reduce((s, e) => s + (e.kind === 'epoch' ? e.durationSec : 0), 0) / epochs.length;
      assert.equal(await cell(page, `${row} td[data-col="secPerEpoch"]`), mean.toFixed(2));
      assert.equal(await cell(page, `${row} td[data-col="testAcc"]`), formatPercent(run.summary?.testAcc ?? null));
    }
    const [rgb, gray] = colour.variants;
    assert.ok(rgb !== undefined && gray !== undefined && rgb.totalParams > gray.totalParams && rgb.totalMacs > gray.totalMacs);
    assert.deepEqual((await pageLog(page)).csp, []);
    await page.screenshot({ path: path.join(OUTPUT, 'comparison-colour.png'), fullPage: true });
    await page.close();
  });

  it('refuses a malformed message and says so to the host', async function () {
    const page = await harness.open('comparison');
    await postToPage(page, { type: 'comparisonState', state: { ...dropout, kind: 'other' }, l10n: null });
    await until(page, "window.__log.sent.some((m) => m.type === 'webviewError')");
    assert.equal(await page.$('#results'), null);
    await page.close();
  });
});
