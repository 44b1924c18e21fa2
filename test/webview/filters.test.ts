/** The filters view bundle in headless Chromium, fed the recorded run's conv kernels. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { filtersState } from '../../src/extension/dashboardModel';
import type { HostToFiltersMessage } from '../../src/shared/webviewProtocol';
import { kernelRgba, kernelSlice, maxAbs } from '../../webview/common/math';
import { canvasPixels, OUTPUT, pageLog, postToPage, startHarness, type Harness } from './harness';
import { recordedMessages, storedModel } from './fixture';

describe('filters webview (recorded run)', function () {
  let harness: Harness;
  before(async function () { harness = await startHarness(); });
  after(async function () { await harness?.close(); });

  it('shows each first-layer colour filter as an RGB swatch and its R, G, B kernels on a diverging scale', async function () {
    const model = await storedModel();
    const state = filtersState(model.runInfo, model.latestFilters);
    assert.ok(state !== null);
    const first = state.layers[0];
    assert.ok(first !== undefined);
    assert.equal(first.inChannels, 3);
    const page = await harness.open('filters');
    await postToPage(page, { type: 'filtersState', state, emptyText: '', l10n: null } satisfies HostToFiltersMessage);
    await page.waitForSelector('.filter-row');

    assert.equal((await page.$$('.filter-row')).length, first.outChannels);
    assert.equal((await page.$$('.filter-row:first-child canvas')).length, 4, 'swatch + R + G + B');
    assert.deepEqual(await page.$$eval('.filter-row:first-child figcaption', (f: { textContent: string | null }[]) => f.map((x) => x.textContent)), ['RGB', 'R', 'G', 'B']);

    // The G kernel of filter 3 shows exactly the weights [kh][kw][in=1][out=2] on the layer's scale.
    const limit = maxAbs(first.weights);
    const expected = Array.from(kernelRgba(kernelSlice(first, 2, 1), limit));
    const drawn = await canvasPixels(page, '.filter-row[data-filter="2"] canvas.kernel', 1);
    assert.equal(drawn.width, first.kernel[1]);
    assert.equal(drawn.height, first.kernel[0]);
    assert.deepEqual(drawn.data, expected);

    // Each filter's Explain asks the host to show its arithmetic in the dashboard.
    await page.click('.filter-row[data-filter="2"] .explain-filter');
    await page.waitForFunction("window.__log.sent.some((m) => m.type === 'explainFilter')");
    assert.deepEqual((await pageLog(page)).sent.find((m) => (m as { type: string }).type === 'explainFilter'), { type: 'explainFilter', layerIndex: first.layerIndex, filter: 2 });

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await page.screenshot({ path: path.join(OUTPUT, 'filters-first-layer.png'), fullPage: true });
    await page.close();
  });

  it('shows a deeper layer per input channel on demand and updates with each epoch', async function () {
    const model = await storedModel();
    const state = filtersState(model.runInfo, model.latestFilters);
    assert.ok(state !== null);
    const second = state.layers[1];
    assert.ok(second !== undefined);
    const page = await harness.open('filters', 'light');
    await postToPage(page, { type: 'filtersState', state, emptyText: '', l10n: null } satisfies HostToFiltersMessage);
    await page.waitForSelector('#layer');
    await page.evaluate(`(() => { const s = document.querySelector('#layer'); s.value = '${second.layerIndex}'; s.dispatchEvent(new Event('change')); })()`);
    await page.waitForSelector('.kernel-cell');
    assert.equal((await page.$$('.kernel-cell')).length, second.outChannels);
    assert.equal(await page.$$eval('#in-channel vscode-option', (o) => o.length), second.inChannels);

    await page.evaluate(`(() => { const s = document.querySelector('#in-channel'); s.value = '4'; s.dispatchEvent(new Event('change')); })()`);
    const limit = maxAbs(second.weights);
    const drawn = await canvasPixels(page, '.kernel-cell canvas', 7);
    assert.deepEqual(drawn.data, Array.from(kernelRgba(kernelSlice(second, 7, 4), limit)));
    await page.screenshot({ path: path.join(OUTPUT, 'filters-deeper-layer-light.png'), fullPage: true });

    // Each epoch's filters message replaces the drawing; the chosen layer stays.
    const epochs = recordedMessages().filter((m) => m.type === 'filters');
    assert.ok(epochs.length >= 2);
    for (const f of epochs) {
      if (f.type !== 'filters') continue;
      const s = filtersState({ ...model.runInfo, status: 'running' }, f);
      await postToPage(page, { type: 'filtersState', state: s, emptyText: '', l10n: null } satisfies HostToFiltersMessage);
      await page.waitForFunction(`document.body.dataset.epoch === '${f.epoch}'`);
      assert.match((await page.textContent('#run-epoch')) ?? '', new RegExp(`epoch ${f.epoch}\\b`));
      assert.equal((await page.$$('.kernel-cell')).length, second.outChannels);
    }
    assert.deepEqual((await pageLog(page)).csp, []);
    await page.close();
  });

  it('explains an empty view and lets the user choose a run', async function () {
    const page = await harness.open('filters');
    await postToPage(page, { type: 'filtersState', state: null, emptyText: 'No run yet.', l10n: null } satisfies HostToFiltersMessage);
    await page.waitForSelector('#empty');
    assert.equal(await page.textContent('#empty'), 'No run yet.');
    await page.click('#choose-run');
    await page.waitForFunction("window.__log.sent.some((m) => m.type === 'chooseRun')");
    await page.close();
  });
});
