/**
 * The dashboard bundle in headless Chromium, fed the recorded run: once as a finished run reopened
 * from its folder (one snapshot) and once live (the recorded trainer messages replayed through the
 * host's DashboardModel as numbered appends).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { DashboardModel, SequenceCounter, epochsOf } from '../../src/extension/dashboardModel';
import { readRun } from '../../src/host/runStore';
import type { ComparisonRun, DashboardRunInfo, DashboardShownMessage, HostToDashboardMessage } from '../../src/shared/webviewProtocol';
import { channelValues, formatCount, formatPercent, formatShape, scaleFor, topClasses, valuesRgba } from '../../webview/common/math';
import { canvasPixels, distinctColours, OUTPUT, pageLog, postToPage, reloadPage, startHarness, type Harness } from './harness';
import { FIXTURE_DIR, recordedMessages, storedModel } from './fixture';

/** The last `shown` report the page sent to the host. */
async function lastShown(page: Page): Promise<DashboardShownMessage | undefined> {
  return ((await pageLog(page)).sent as DashboardShownMessage[]).filter((m) => m.type === 'shown').pop();
}

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
    const rows = await page.evaluate<string[][]>(`Array.from(document.querySelectorAll('#summary tbody tr'))
      .map((tr) => Array.from(tr.children).map((td) => td.textContent ?? ''))`);
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

    // Feature maps: input as RGB plus three channels, one figure per conv/pool layer with its
    // output shape, a value legend and one numbered tile per channel, drawn on the layer's scale.
    const fm = snap.featureMaps;
    assert.ok(fm !== null && fm.probabilities !== undefined);
    assert.equal(fm.input.channels, 3);
    assert.equal((await page.$$('.fm-input canvas')).length, 4);
    assert.equal((await page.$$('.fm-layer')).length, fm.layers.length);
    for (const layer of fm.layers) {
      const [h, w, c] = layer.shape;
      const sel = `.fm-layer[data-layer="${layer.layerIndex}"]`;
      assert.match(await textOf(page, `${sel} .fm-layer-title`), new RegExp(`^${layer.name} \\(${layer.type}\\) · output ${h}×${w}×${c} · ${c} channels`));
      assert.deepEqual(await page.$$eval(`${sel} .fm-ch`, (e) => e.map((x) => (x as { textContent: string | null }).textContent)), Array.from({ length: c }, (_, i) => String(i + 1)));
      const lo = Math.min(...layer.ranges.map((r) => r[0]));
      const hi = Math.max(...layer.ranges.map((r) => r[1]));
      const scale = scaleFor(lo, hi);
      const legend = await page.$eval(`${sel} .scale-legend`, (e) => { const d = (e as unknown as { dataset: Record<string, string> }).dataset; return [Number(d.lo), Number(d.hi)]; });
      assert.deepEqual(legend, scale.kind === 'diverging' ? [-scale.limit, scale.limit] : [scale.lo, scale.hi]);
      // Channel 3's tile shows exactly that channel's activations on the layer's scale.
      const ch = Math.min(2, c - 1);
      const px = await canvasPixels(page, `${sel} .fm-tile canvas`, ch);
      assert.equal(px.width, w);
      assert.equal(px.height, h);
      assert.deepEqual(px.data, Array.from(valuesRgba(channelValues(Uint8Array.from(Buffer.from(layer.valuesBase64, 'base64')), h, w, c, ch, layer.ranges[ch] ?? [0, 0]), scale)));
      assert.ok(await distinctColours(page, `${sel} .fm-tile canvas`, ch) > 1 || layer.ranges[ch]?.[0] === layer.ranges[ch]?.[1], `${layer.name} activations are drawn`);
    }
    // The label, the prediction with its top three probabilities, and the range of samples.
    const classNames = snap.info.classNames;
    assert.match(await textOf(page, '#fm-caption'), new RegExp(`^Sample ${fm.sampleIndex} \\(label: ${classNames[fm.label ?? -1]}\\), after epoch ${fm.epoch}$`));
    const top = topClasses(fm.probabilities, 3);
    const prediction = await textOf(page, '#fm-prediction');
    assert.ok(prediction.startsWith(`Prediction: ${classNames[top[0]?.[0] ?? -1]}`), prediction);
    for (const [c, p] of top) assert.ok(prediction.includes(`${classNames[c]} ${formatPercent(p, 1)}`), prediction);
    assert.match(prediction, top[0]?.[0] === fm.label ? /correct$/ : /wrong: the label is /);
    assert.equal(snap.info.testCount, 90, 'the evaluation counted the test set');
    assert.equal(await textOf(page, '#sample-range'), 'Test sample (0 to 89)');
    // Only conv2d channels open the explainer.
    assert.equal((await page.$$('.fm-tile.explainable')).length, fm.layers.filter((l) => l.type === 'conv2d').reduce((t, l) => t + l.shape[2], 0));

    // Evaluation: confusion matrix over all classes, the misclassified gallery.
    const ev = snap.evaluation;
    assert.ok(ev !== null);
    assert.equal((await page.$$('#confusion tbody tr')).length, ev.classNames.length);
    const cells = (await page.$$eval('#confusion tbody td', (tds) => tds.map((td) => (td as { textContent: string | null }).textContent))).map(Number);
    assert.deepEqual(cells, ev.confusion.flat());
    assert.equal((await page.$$('#misclassified .sample')).length, ev.misclassified.length);
    // The heading counts every mistake (off the confusion matrix's diagonal), not only those shown.
    const wrong = ev.confusion.reduce((t, row, i) => t + row.reduce((u, c, j) => u + (i === j ? 0 : c), 0), 0);
    const heading = await page.$eval('#evaluation h3', (e) => (e as { textContent: string | null }).textContent ?? '');
    assert.ok(heading.includes(String(wrong)), heading);
    assert.equal(await textOf(page, '#status'), 'completed');
    // The training step, read back from summary.json, labelled under Backend.
    assert.equal(snap.info.trainingStep?.kind, 'direct');
    assert.deepEqual(await page.$$eval('#header .fact dt', (e) => e.map((x) => (x as { textContent: string | null }).textContent)).then((l) => l.slice(3, 5)), ['Backend', 'Training step']);
    assert.equal(await textOf(page, '#training-step dd'), 'direct TensorFlow step');
    // It tells the host what it shows: the stored sample, picks served by an inspection process.
    assert.deepEqual(await lastShown(page), {
      type: 'shown', seq: 1, sampleIndex: fm.sampleIndex, caption: await textOf(page, '#fm-caption'), picking: 'inspect',
    });

    const log = await pageLog(page);
    assert.deepEqual(log.csp, [], 'no Content Security Policy violations');
    assert.deepEqual(log.errors, []);
    assert.equal(log.sent.filter((m) => (m as { type: string }).type === 'webviewError').length, 0);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-finished.png'), fullPage: true });
    await page.close();
  });

  it('picks a sample of a finished run: the request, a loading line, the answer, and errors', async function () {
    const model = await storedModel();
    const seq = new SequenceCounter();
    const page = await harness.open('dashboard');
    await postToPage(page, { type: 'snapshot', seq: seq.next(), snapshot: model.snapshot(), l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('#fm-caption');
    assert.equal(await page.getAttribute('#show-sample', 'disabled'), null, 'a finished run with weights can be picked from');
    assert.match(await textOf(page, '#pick-note'), /separate process/);

    await page.evaluate("document.querySelector('#sample-index').value = '3'");
    await page.click('#show-sample');
    await page.waitForFunction("window.__log.sent.some((m) => m.type === 'requestFeatureMaps')");
    assert.ok((await pageLog(page)).sent.some((m) => JSON.stringify(m) === JSON.stringify({ type: 'requestFeatureMaps', sampleIndex: 3 })));

    // The host's answer, as DashboardPanel sends it: pending with progress, then the maps.
    const post = async (update: Parameters<DashboardModel['setSamplePick']>[0]): Promise<void> => {
      await postToPage(page, { type: 'append', seq: seq.next(), update: model.setSamplePick(update) } satisfies HostToDashboardMessage);
    };
    await post({ pending: 3, progress: 'Loading the run’s weights and data set…', error: null });
    await page.waitForSelector('#pick-pending');
    assert.match(await textOf(page, '#pick-pending'), /Loading sample 3… Loading the run’s weights/);
    const recorded = model.snapshot().featureMaps;
    assert.ok(recorded !== null);
    // The recorded maps re-numbered as sample 3 (what an inspection process sends is covered by
    // the integration suite); the page must draw the caption and clear the loading line.
    for (const update of model.showFeatureMaps({ type: 'featureMaps', ...recorded, sampleIndex: 3 })) {
      await postToPage(page, { type: 'append', seq: seq.next(), update } satisfies HostToDashboardMessage);
    }
    await page.waitForFunction(`document.body.dataset.seq === '${seq.current}'`);
    assert.match(await textOf(page, '#fm-caption'), /^Sample 3 \(label: /);
    assert.equal(await page.$('#pick-pending'), null);
    const shown = await lastShown(page);
    assert.equal(shown?.sampleIndex, 3);
    assert.match(shown?.caption ?? '', /^Sample 3 /);
    // The inspection process is up now: the next pick does not load the weights again, so the
    // warning goes; it comes back once the idle process has been let go.
    await post({ inspectorRunning: true });
    await page.waitForFunction(`document.body.dataset.seq === '${seq.current}'`);
    assert.equal(await textOf(page, '#pick-note'), '');
    await post({ inspectorRunning: false });
    await page.waitForFunction(`document.body.dataset.seq === '${seq.current}'`);
    assert.match(await textOf(page, '#pick-note'), /first pick loads its weights/);

    await post({ pending: null, progress: null, error: 'There is no test sample 500: the test set has 90 samples, numbered 0 to 89.' });
    await page.waitForSelector('#pick-error');
    assert.equal(await page.getAttribute('#pick-error', 'role'), 'alert');
    // Clicking a misclassified sample asks for it too.
    const misclassified = model.snapshot().evaluation?.misclassified[0];
    assert.ok(misclassified !== undefined);
    await page.click('#misclassified .sample');
    await page.waitForFunction(`window.__log.sent.some((m) => m.type === 'requestFeatureMaps' && m.sampleIndex === ${misclassified.index})`);
    // The picker scrolled into view below the sticky header, not under it.
    const [pickerTop, headerBottom] = await page.evaluate<[number, number]>(`[document.querySelector('#sample-index').getBoundingClientRect().top,
      document.querySelector('#header').getBoundingClientRect().bottom]`);
    assert.ok(pickerTop >= headerBottom, `picker at ${pickerTop}px is under the header ending at ${headerBottom}px`);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-pick-scrolled.png') });

    // A run without weights (stopped before its first checkpoint) offers no pick, and says why.
    const info = { ...model.runInfo, status: 'stopped' as const, inspectable: false };
    await postToPage(page, { type: 'append', seq: seq.next(), update: { kind: 'info', info } } satisfies HostToDashboardMessage);
    await page.waitForFunction(`document.body.dataset.seq === '${seq.current}'`);
    assert.equal(await page.getAttribute('#show-sample', 'disabled'), '');
    assert.match(await textOf(page, '#pick-note'), /first epoch/);
    assert.equal((await lastShown(page))?.picking, 'none');

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-pick-finished.png'), fullPage: true });
    await page.close();
  });

  it('says when the model leaves the fast path, and that trainOnBatch is the wasm and cpu backends\' own path', async function () {
    const model = await storedModel();
    const seq = new SequenceCounter();
    const page = await harness.open('dashboard');
    await postToPage(page, { type: 'snapshot', seq: seq.next(), snapshot: model.snapshot(), l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('#training-step');
    const show = async (trainingStep: DashboardRunInfo['trainingStep'], backend = 'tensorflow'): Promise<{ text: string; cls: string; kind: string; title: string | null }> => {
      await postToPage(page, { type: 'append', seq: seq.next(), update: { kind: 'info', info: { ...model.runInfo, backend, backendDetail: backend, trainingStep } } } satisfies HostToDashboardMessage);
      await page.waitForFunction(`document.body.dataset.seq === '${seq.current}'`);
      return {
        text: await textOf(page, '#training-step dd'), cls: (await page.getAttribute('#training-step', 'class')) ?? '',
        kind: (await page.getAttribute('#training-step', 'data-kind')) ?? '', title: await page.getAttribute('#training-step', 'title'),
      };
    };
    const fallback = await show({ kind: 'fallback', layerIndex: 1, layerName: 'batch_normalization', reason: 'layer 2, batch norm without its native pass' });
    assert.equal(fallback.text, 'trainOnBatch — layer 2 (batch_normalization) has no native pass, about 3–6× slower per step');
    assert.equal(fallback.cls, 'fact wide warn');
    assert.equal(fallback.title, 'layer 2, batch norm without its native pass');
    // A warning row of its own: as wide as the facts.
    const [rowWidth, factsWidth] = await page.evaluate<[number, number]>(`[document.querySelector('#training-step').getBoundingClientRect().width,
      document.querySelector('#header .facts').getBoundingClientRect().width]`);
    assert.ok(Math.abs(rowWidth - factsWidth) < 1, `${rowWidth} vs ${factsWidth}`);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-training-step-fallback.png') });
    const wasm = await show({ kind: 'backendPath', backend: 'wasm' }, 'wasm');
    assert.equal(wasm.text, "trainOnBatch, the wasm backend's training path");
    assert.equal(wasm.cls, 'fact', 'not a warning');
    assert.equal((await show(null)).text, '–');
    assert.equal((await show(null)).kind, 'unknown');

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  it('overlays other runs\' validation curves for comparison when the user ticks them', async function () {
    const model = await storedModel();
    const snap = model.snapshot();
    // The recorded run's own curve serves as the "other run", under another folder and name.
    const other: ComparisonRun = { runDir: '/runs/other', name: 'shapes-fixture · earlier', epochs: epochsOf((await readRun(FIXTURE_DIR)).metrics) };
    const page = await harness.open('dashboard');
    await postToPage(page, { type: 'snapshot', seq: 1, snapshot: { ...snap, comparisons: [other] }, l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('.compare vscode-checkbox');
    const legend = async (): Promise<string[]> => page.$$eval('#epoch-acc .u-legend .u-series', (rows) => rows.map((r) => (r as { textContent: string | null }).textContent ?? ''));
    const before = await legend();
    assert.ok(!before.some((t) => t.includes('earlier')), 'not overlaid until ticked');
    assert.equal(await page.getAttribute('.compare vscode-checkbox', 'label'), `${other.name} · ${other.epochs.length} epochs`);

    await page.click('.compare vscode-checkbox');
    await page.waitForFunction("Array.from(document.querySelectorAll('#epoch-acc .u-legend .u-series')).some((r) => r.textContent.includes('earlier'))");
    const after = await legend();
    assert.equal(after.length, before.length + 1, 'one more series: the other run\'s validation accuracy');
    assert.ok((await page.$$eval('#epoch-loss .u-legend .u-series', (r) => r.length)) === before.length + 1, 'and its validation loss');
    assert.equal(await pointsOf(page, 'epoch-acc'), Math.max(snap.epochs.length, other.epochs.length));

    // Hidden and shown again (the page is unloaded, its state kept): the overlay is still ticked.
    await page.evaluate("document.querySelector('#smoothing').value = '0.9'; document.querySelector('#smoothing').dispatchEvent(new Event('input'))");
    await reloadPage(page);
    await postToPage(page, { type: 'snapshot', seq: 1, snapshot: { ...snap, comparisons: [other] }, l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('.compare vscode-checkbox');
    assert.equal((await legend()).length, before.length + 1, 'the ticked run is overlaid again after a reload');
    assert.equal(await page.evaluate("document.querySelector('.compare vscode-checkbox').checked"), true);
    assert.equal(await textOf(page, '#smoothing-value'), '0.90', 'the smoothing survives too');

    // Unticking removes it again.
    await page.click('.compare vscode-checkbox');
    await page.waitForFunction(`document.querySelectorAll('#epoch-acc .u-legend .u-series').length === ${before.length}`);
    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  it("loads under the web workbench's exact cspSource ('self' https://*.vscode-cdn.net) without a CSP violation", async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard', 'dark', 'web');
    const csp = await page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content");
    assert.match(String(csp), /style-src 'self' https:\/\/\*\.vscode-cdn\.net;/);
    await postToPage(page, { type: 'snapshot', seq: 1, snapshot: model.snapshot(), l10n: null } satisfies HostToDashboardMessage);
    await page.waitForSelector('#summary table');
    await page.waitForSelector('.fm-layer');
    assert.ok((await page.$$('#curves canvas')).length >= 4);
    // The style sheets came through style-src: media/dashboard.css lays the charts out as a flex row.
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.charts')).display"), 'flex');
    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
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
    assert.equal((await page.$$('.fm-layer')).length, snap.featureMaps?.layers.length);
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
