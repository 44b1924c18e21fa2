/**
 * The dashboard bundle in headless Chromium, fed the recorded run: once as a finished run reopened
 * from its folder (one snapshot) and once live (the recorded trainer messages replayed through the
 * host's DashboardModel as numbered appends).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { DashboardModel, SequenceCounter } from '../../src/extension/dashboardModel';
import type { HostToDashboardMessage } from '../../src/shared/webviewProtocol';
import { formatCount, formatShape, gridLayout } from '../../webview/common/math';
import { canvasPixels, distinctColours, OUTPUT, pageLog, postToPage, startHarness, type Harness } from './harness';
import { recordedMessages, storedModel } from './fixture';

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

async function pointsOf(page: Page, id: string): Promise<number> {
  return Number(await page.getAttribute(`#${id}`, 'data-points'));
}

describe('dashboard webview (recorded run)', function () {
  let harness: Harness;
  before(async function () { harness = await startHarness(); });
  after(async function () { await harness?.close(); });

  it('draws a finished run reopened from its folder: summary, curves, feature maps, evaluation', async function () {
    const model = await storedModel();
    const snap = model.snapshot();
    const page = await harness.open('dashboard');
    const first = (await pageLog(page)).sent[0];
    assert.deepEqual(first, { type: 'ready' });
    const msg: HostToDashboardMessage = { type: 'snapshot', seq: 1, snapshot: snap, l10n: null };
    await postToPage(page, msg);
    await page.waitForSelector('#summary table');

    // Summary: one row per layer, Keras shapes and parameter counts.
    const summary = snap.modelSummary;
    assert.ok(summary !== null);
    const rows = (await page.evaluate(`Array.from(document.querySelectorAll('#summary tbody tr'))
      .map((tr) => Array.from(tr.children).map((td) => td.textContent ?? ''))`)) as string[][];
    assert.equal(rows.length, summary.layers.length);
    summary.layers.forEach((l, i) => {
      assert.equal(rows[i]?.[0], `${l.name} (${l.type})`);
      assert.equal(rows[i]?.[1], formatShape(l.outputShape));
      assert.equal(rows[i]?.[2], formatCount(l.params));
    });
    assert.equal(await textOf(page, '#total-params'), formatCount(summary.totalParams));

    // Curves: every recorded epoch and batch point plotted.
    assert.equal(await pointsOf(page, 'epoch-acc'), snap.epochs.length);
    assert.equal(await pointsOf(page, 'epoch-loss'), snap.epochs.length);
    assert.equal(await pointsOf(page, 'batch-loss'), snap.batches.length);
    assert.ok(snap.batches.length > 10, 'the recording has batch points');
    const last = snap.epochs[snap.epochs.length - 1];
    assert.ok(last !== undefined && last.valAcc !== null);
    assert.match(await textOf(page, '#gap-note'), new RegExp(`epoch ${last.epoch}`));
    assert.ok((await page.$$('#curves canvas')).length >= 4, 'uPlot drew its canvases');

    // Feature maps: input as RGB plus three channels, one tiled grid per conv/pool layer.
    const fm = snap.featureMaps;
    assert.ok(fm !== null);
    assert.equal(fm.input.channels, 3);
    assert.equal((await page.$$('.fm-input canvas')).length, 4);
    const grids = await page.$$('.fm-grid');
    assert.equal(grids.length, fm.layers.length);
    for (const [i, layer] of fm.layers.entries()) {
      const [h, w, c] = layer.shape;
      const layout = gridLayout(c, w, h);
      const px = await canvasPixels(page, '.fm-grid', i);
      assert.equal(px.width, layout.width, `${layer.name} grid width`);
      assert.equal(px.height, layout.height, `${layer.name} grid height`);
      assert.ok(await distinctColours(page, '.fm-grid', i) > 2, `${layer.name} activations are drawn`);
    }

    // Evaluation: confusion matrix over all classes, the misclassified gallery.
    const ev = snap.evaluation;
    assert.ok(ev !== null);
    assert.equal((await page.$$('#confusion tbody tr')).length, ev.classNames.length);
    const cells = (await page.$$eval('#confusion tbody td', (tds) => tds.map((td) => (td as { textContent: string | null }).textContent))).map(Number);
    assert.deepEqual(cells, ev.confusion.flat());
    assert.equal((await page.$$('#misclassified .sample')).length, ev.misclassified.length);
    assert.equal(await textOf(page, '#status'), 'completed');

    const log = await pageLog(page);
    assert.deepEqual(log.csp, [], 'no Content Security Policy violations');
    assert.deepEqual(log.errors, []);
    assert.equal(log.sent.filter((m) => (m as { type: string }).type === 'webviewError').length, 0);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-finished.png'), fullPage: true });
    await page.close();
  });

  it('follows a live run: numbered appends from the replayed trainer messages, sample picks, stop, resync', async function () {
    const messages = recordedMessages();
    const started = messages.find((m) => m.type === 'started');
    assert.ok(started !== undefined && started.type === 'started');
    const model = DashboardModel.forNewRun('/runs/live', 'shapes-fixture', started.totalEpochs, null, 'shapes');
    const seq = new SequenceCounter();
    const page = await harness.open('dashboard', 'light');
    await postToPage(page, { type: 'snapshot', seq: seq.next(), snapshot: model.snapshot(), l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('#summary');

    let sawLiveControls = false;
    for (const m of messages) {
      for (const update of model.apply(m)) {
        await postToPage(page, { type: 'append', seq: seq.next(), update } satisfies HostToDashboardMessage);
      }
      if (m.type === 'epochEnd' && m.epoch === 1) {
        // While training: the sample picker asks the host for another sample, Stop is offered.
        await page.waitForFunction('document.body.dataset.seq === String(' + seq.current + ')');
        assert.equal(await page.isVisible('#stop'), true);
        await page.fill('#sample-index input', '5').catch(async () => {
          await page.evaluate("document.querySelector('#sample-index').value = '5'");
        });
        await page.evaluate("document.querySelector('#sample-index').value = '5'");
        await page.click('#show-sample');
        await page.click('#stop');
        sawLiveControls = true;
      }
    }
    assert.ok(sawLiveControls);
    await page.waitForFunction('document.body.dataset.seq === String(' + seq.current + ')');
    const snap = model.snapshot();
    assert.equal(await pointsOf(page, 'epoch-acc'), snap.epochs.length);
    assert.equal(await pointsOf(page, 'batch-acc'), snap.batches.length);
    assert.equal((await page.$$('.fm-grid')).length, snap.featureMaps?.layers.length);
    assert.equal((await page.$$('#summary tbody tr')).length, started.summary.layers.length);
    assert.equal(await textOf(page, '#status'), 'completed');
    assert.equal(await page.isVisible('#stop'), false, 'Stop disappears when the run is done');

    const sent = (await pageLog(page)).sent as { type: string; sampleIndex?: number }[];
    assert.ok(sent.some((m) => m.type === 'requestFeatureMaps' && m.sampleIndex === 5));
    assert.ok(sent.some((m) => m.type === 'stopTraining'));

    // A gap in the numbering makes the webview ask for a snapshot instead of drawing out of order.
    const gapSeq = seq.current + 2;
    await postToPage(page, { type: 'append', seq: gapSeq, update: { kind: 'info', info: snap.info } } satisfies HostToDashboardMessage);
    await page.waitForFunction("window.__log.sent.some((m) => m.type === 'resync')");
    const resync = (await pageLog(page)).sent.find((m) => (m as { type: string }).type === 'resync');
    assert.deepEqual(resync, { type: 'resync', lastSeq: seq.current });

    // A malformed message is refused and reported, not drawn.
    await postToPage(page, { type: 'append', seq: seq.current + 1, update: { kind: 'batch', batch: { epoch: 'x' } } });
    await page.waitForFunction("window.__log.sent.some((m) => m.type === 'webviewError')");
    assert.equal(await pointsOf(page, 'batch-acc'), snap.batches.length);

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-live-light.png'), fullPage: true });
    await page.close();
  });
});
