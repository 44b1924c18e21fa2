/**
 * The dashboard's inspection views in headless Chromium, fed what a real inspection process
 * answered for the recorded run (test/fixtures/recorded-run/inspections*.jsonl, see record.ts):
 * the colour convolution explained (its partial maps sum, with the bias, to the layer's real
 * output), a deeper layer per input channel, grayscale's single slice, the user's own image
 * (drawing pad and file), saliency and Grad-CAM, and the epoch slider over the run's history.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { DashboardModel, SequenceCounter } from '../../src/extension/dashboardModel';
import { readHistoryEntry } from '../../src/host/runStore';
import type { ExplanationMessage, FeatureMapsMessage, FiltersMessage, InspectSubject, InspectWhat, SaliencyMessage } from '../../src/shared/trainerProtocol';
import type { DashboardUpdate, HostToDashboardMessage, InspectMessage } from '../../src/shared/webviewProtocol';
import { decodeFloats, filterArithmetic } from '../../webview/common/convolution';
import { centreOfMass, imageForModel, MNIST_CENTRE } from '../../webview/common/preprocess';
import { channelValues, decodeBase64, valuesRgba } from '../../webview/common/math';
import { canvasPixels, OUTPUT, pageLog, postToPage, startHarness, until, type Harness } from './harness';
import { FIXTURE_DIR, recordedGrayInspections, recordedInspections, storedModel } from './fixture';

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

/** Plays the host: a snapshot, then appends numbered from it. */
class Host {
  readonly seq = new SequenceCounter();
  constructor(readonly page: Page, readonly model: DashboardModel) {}
  async snapshot(patch: Partial<ReturnType<DashboardModel['snapshot']>> = {}): Promise<void> {
    await postToPage(this.page, { type: 'snapshot', seq: this.seq.next(), snapshot: { ...this.model.snapshot(), ...patch }, l10n: null } satisfies HostToDashboardMessage);
    await until(this.page, `document.body.dataset.seq === '${this.seq.current}'`);
  }
  async append(...updates: DashboardUpdate[]): Promise<void> {
    for (const update of updates) await postToPage(this.page, { type: 'append', seq: this.seq.next(), update } satisfies HostToDashboardMessage);
    await until(this.page, `document.body.dataset.seq === '${this.seq.current}'`);
  }
  /** Marks an inspection asked, as DashboardPanel does before relaying it; returns its number. */
  async ask(what: InspectWhat): Promise<number> {
    const { requestId, update } = this.model.inspectAsked(what);
    await this.append(update);
    return requestId;
  }
  /** A recorded answer as DashboardPanel relays it: asked (pending shown), then through the model. */
  async answer(m: ExplanationMessage | SaliencyMessage | FeatureMapsMessage): Promise<void> {
    const what: InspectWhat = m.type === 'explanation' ? { kind: 'explanation', layerIndex: m.layerIndex, filter: m.filter }
      : m.type === 'saliency' ? { kind: 'saliency', classIndex: m.classIndex } : { kind: 'featureMaps' };
    const requestId = await this.ask(what);
    await this.append(...this.model.apply({ ...m, requestId }));
  }
}

/** Element screenshots: the sticky header would be drawn over the element scrolled under it. */
async function unstick(page: Page): Promise<void> {
  await page.evaluate("document.querySelector('#header').style.position = 'static'");
}

async function inspectsSent(page: Page): Promise<InspectMessage[]> {
  return ((await pageLog(page)).sent as InspectMessage[]).filter((m) => m.type === 'inspect');
}

function explanation(id: number, gray = false): ExplanationMessage {
  const m = (gray ? recordedGrayInspections() : recordedInspections()).get(id);
  assert.ok(m?.type === 'explanation', `recorded explanation ${id}`);
  return m;
}

/** Centre of output pixel (oy, ox) of a map canvas, in page coordinates. */
async function pixelCentre(page: Page, selector: string, oy: number, ox: number, oh: number, ow: number): Promise<{ x: number; y: number }> {
  const el = page.locator(selector).first();
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  assert.ok(box !== null);
  return { x: box.x + (ox + 0.5) * box.width / ow, y: box.y + (oy + 0.5) * box.height / oh };
}

describe('dashboard inspection views (recorded run and inspections)', function () {
  let harness: Harness;
  before(async function () { harness = await startHarness(); });
  after(async function () { await harness?.close(); });

  it('explains a first-layer colour filter: R, G, B planes ⊛ slices, partial maps summed with the bias = the layer\'s real output', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    await host.snapshot();

    // A click on channel 3 of conv2d asks for filter 3's arithmetic on the sample shown.
    await page.click('.fm-layer[data-layer="0"] .fm-tile[data-channel="2"]');
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect')");
    const asked = (await inspectsSent(page)).at(-1);
    assert.deepEqual(asked, { type: 'inspect', subject: { kind: 'test', index: 0 }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } } satisfies InspectMessage);

    const ex = explanation(1);
    await host.answer(ex);
    await page.waitForSelector('#explain-rows');
    // Colour input: three planes, three kernel slices, three partial maps.
    assert.equal((await page.$$('.explain-row[data-channel]')).length, 3);
    assert.deepEqual(await page.$$eval('.explain-row[data-channel] figure:first-of-type figcaption', (f: { textContent: string | null }[]) => f.map((x) => x.textContent)), ['R plane', 'G plane', 'B plane']);
    assert.match(await textOf(page, '#explain-caption'), /^Filter 3 of 8 in conv2d \(3×3 kernel, strides 1×1, padding same, activation relu\), on test sample 0 \(label: /);

    // The numbers are the run's: the kernel slice and bias are filters.json's filter 3 (the final weights).
    const filters = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'filters.json'), 'utf8')) as FiltersMessage;
    const first = filters.layers[0];
    assert.ok(first?.bias !== undefined);
    const kernel = decodeFloats(ex.kernel);
    for (let i = 0; i < 9; i++) for (let c = 0; c < 3; c++) {
      assert.equal(kernel[i * 3 + c], Math.fround(first.weights[(i * 3 + c) * 8 + 2] as number));
    }
    assert.equal(ex.bias, Math.fround(first.bias[2] as number));
    // ... the input is the sample's pixels / 255.
    const input = decodeFloats(ex.input);
    const pixels = decodeBase64(ex.image.pixelsBase64);
    assert.ok(input.every((v, i) => v === Math.fround((pixels[i] as number) / 255)));

    // Σ partial maps + bias → ReLU = the layer's output as the model computed it, to 1e-4, and
    // = featureMaps.json's channel 3 of conv2d (stored 8-bit: to 1/255 of its range).
    const a = filterArithmetic(input, ex.input.shape, kernel, ex.kernel.shape, ex.bias, ex.strides, ex.padding, ex.activation);
    const output = decodeFloats(ex.output);
    assert.ok(a.activated !== null);
    let maxDiff = 0;
    for (let i = 0; i < output.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a.activated[i] as number) - (output[i] as number)));
    assert.ok(maxDiff < 1e-4, `largest difference ${maxDiff}`);
    assert.ok(Number(await page.getAttribute('#explain-check', 'data-max-diff')) < 1e-4, 'the page says so too');
    assert.match(await textOf(page, '#explain-check'), /equals the model's own output/);
    const stored = model.snapshot().featureMaps?.layers[0];
    assert.ok(stored !== undefined);
    const [sh, sw, sc] = stored.shape;
    const storedMap = channelValues(decodeBase64(stored.valuesBase64), sh, sw, sc, 2, stored.ranges[2] ?? [0, 0]);
    const tol = ((stored.ranges[2]?.[1] ?? 0) - (stored.ranges[2]?.[0] ?? 0)) / 255 / 2 + 1e-6;
    for (let i = 0; i < output.length; i++) assert.ok(Math.abs((output[i] as number) - (storedMap[i] as number)) <= tol, `pixel ${i}`);

    // Every map on the one diverging scale of its legend: the G partial map's pixels are exactly
    // its values in those colours.
    const limit = Number(await page.getAttribute('#explain-legend', 'data-hi'));
    assert.ok(Math.abs(limit - Math.max(...a.partials.flatMap((p) => Array.from(p, Math.abs)), ...Array.from(a.sum, Math.abs), ...Array.from(output, Math.abs))) < 1e-9);
    const drawn = await canvasPixels(page, '.explain-partial', 1);
    assert.deepEqual(drawn.data, Array.from(valuesRgba(a.partials[1] ?? [], { kind: 'diverging', limit })));

    // Hovering an output pixel lists its 3 × 3 × 3 products and their sum.
    const [oy, ox] = [17, 9];
    const at = await pixelCentre(page, '.explain-output', oy, ox, a.oh, a.ow);
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('#explain-sum-line');
    assert.match(await textOf(page, '#explain-products'), /^Output pixel: row 18, column 10 · 27 products \(3 channels × 3×3 kernel cells\)/);
    const products = await page.$$eval('#explain-products .product', (tds) => tds.map((td) => Number((td as unknown as { dataset: Record<string, string> }).dataset.product)));
    assert.equal(products.length, 27);
    const line = await page.$eval('#explain-sum-line', (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }));
    const sum = Number(line.sum);
    assert.ok(Math.abs(products.reduce((t, p) => t + p, 0) - sum) < 1e-9, 'the sum is of the products listed');
    assert.ok(Math.abs(sum + ex.bias - Number(line.pre)) < 1e-12);
    assert.ok(Math.abs(Math.max(0, Number(line.pre)) - (output[oy * a.ow + ox] as number)) < 1e-4, 'ReLU(Σ + b) is the model\'s output at that pixel');
    assert.equal(Number(line.output), output[oy * a.ow + ox]);
    // The receptive field is framed on the planes.
    assert.equal(await page.$$eval('.rf:not([hidden])', (e) => e.length), 3);

    const log = await pageLog(page);
    assert.deepEqual(log.csp, []);
    assert.deepEqual(log.errors, []);
    await unstick(page);
    await page.locator('#explainer').screenshot({ path: path.join(OUTPUT, 'explainer-colour.png') });
    await page.close();
  });

  it('shows grayscale input with one slice, and a deeper layer per input channel', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard', 'light');
    const host = new Host(page, model);
    await host.snapshot();

    const gray = explanation(1, true);
    assert.deepEqual(gray.input.shape, [32, 32, 1]);
    await host.answer(gray);
    await page.waitForSelector('#explain-rows');
    assert.equal((await page.$$('.explain-row[data-channel]')).length, 1, 'one plane, one slice');
    assert.match(await textOf(page, '#explainer'), /The input is the grayscale image: one plane, so the filter has one kernel slice\./);
    assert.ok(Number(await page.getAttribute('#explain-check', 'data-max-diff')) < 1e-4);
    const g = filterArithmetic(decodeFloats(gray.input), gray.input.shape, decodeFloats(gray.kernel), gray.kernel.shape, gray.bias, gray.strides, gray.padding, gray.activation);
    const at = await pixelCentre(page, '.explain-output', 5, 5, g.oh, g.ow);
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('#explain-sum-line');
    assert.equal((await page.$$('#explain-products .product')).length, 9, '1 × 3 × 3 products');
    await unstick(page);
    await page.locator('#explainer').screenshot({ path: path.join(OUTPUT, 'explainer-gray.png') });

    // conv2d_1: its input is max_pooling2d's output, 8 channels: one row each.
    const deep = explanation(2);
    await host.answer(deep);
    await until(page, "document.querySelector('#explainer').dataset.layer === '2'");
    assert.equal((await page.$$('.explain-row[data-channel]')).length, 8);
    assert.match(await textOf(page, '#explainer'), /The input is the output of max_pooling2d: 8 channels, so the filter has 8 kernel slices\./);
    assert.ok(Number(await page.getAttribute('#explain-check', 'data-max-diff')) < 1e-4, 'deeper layer: computed = model output');
    const d = filterArithmetic(decodeFloats(deep.input), deep.input.shape, decodeFloats(deep.kernel), deep.kernel.shape, deep.bias, deep.strides, deep.padding, deep.activation);
    const at2 = await pixelCentre(page, '.explain-partial[data-channel="3"]', 7, 8, d.oh, d.ow);
    await page.mouse.move(at2.x, at2.y);
    await page.waitForSelector('#explain-sum-line');
    // Four full tables (the hovered channel and the largest contributions), the other sums listed.
    assert.equal((await page.$$('#explain-products .product-table')).length, 4);
    assert.ok(await page.$('#explain-products .product-table[data-channel="3"]') !== null, 'the hovered channel is tabled');
    assert.match(await textOf(page, '#explain-products'), /72 products \(8 channels × 3×3 kernel cells\)/);
    assert.match(await textOf(page, '#explain-products'), /Sums of the other 4 channels/);
    const line = await page.$eval('#explain-sum-line', (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }));
    assert.ok(Math.abs(Math.max(0, Number(line.pre)) - (decodeFloats(deep.output)[7 * d.ow + 8] as number)) < 1e-4);
    assert.deepEqual((await pageLog(page)).errors, []);
    await unstick(page);
    await page.locator('#explainer').screenshot({ path: path.join(OUTPUT, 'explainer-deeper-light.png') });
    await page.close();
  });

  it('draws saliency and Grad-CAM over the input for the predicted class', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    await host.snapshot();
    await page.click('#saliency-run');
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect' && m.what.kind === 'saliency')");
    assert.deepEqual((await inspectsSent(page)).at(-1)?.what, { kind: 'saliency', classIndex: null });
    const sal = recordedInspections().get(3);
    assert.ok(sal?.type === 'saliency');
    await host.answer(sal);
    await page.waitForSelector('#saliency-map');
    const classNames = model.runInfo.classNames;
    assert.match(await textOf(page, '#saliency-caption'), new RegExp(`^Class ${classNames[sal.classIndex]}: score \\(logit\\) `));
    const fm = model.snapshot().featureMaps;
    assert.ok(fm?.probabilities !== undefined);
    assert.equal(sal.classIndex, fm.probabilities.indexOf(Math.max(...fm.probabilities)), 'the predicted class');
    // The saliency map is max over channels of |∂ score / ∂ pixel|, on the heat scale.
    const grad = decodeFloats(sal.gradient);
    const drawn = await canvasPixels(page, '#saliency-map');
    assert.equal(drawn.width, 32);
    let hottest = 0;
    for (let p = 1; p < 32 * 32; p++) {
      const v = Math.max(...[0, 1, 2].map((c) => Math.abs(grad[p * 3 + c] as number)));
      const best = Math.max(...[0, 1, 2].map((c) => Math.abs(grad[hottest * 3 + c] as number)));
      if (v > best) hottest = p;
    }
    assert.deepEqual(drawn.data.slice(hottest * 4, hottest * 4 + 4), [255, 255, 255, 255], 'the largest gradient is the hottest pixel');
    assert.ok(sal.gradCam !== null);
    assert.match(await textOf(page, '#saliency'), new RegExp(`Grad-CAM on ${sal.gradCam.layerName} \\(16×16\\)`));
    const over = await canvasPixels(page, '#gradcam-overlay');
    assert.equal(over.width, 32);
    await unstick(page);
    await page.locator('#saliency').screenshot({ path: path.join(OUTPUT, 'saliency.png') });
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });

  it('takes an image file, resized as the data set is, and shows its prediction, maps and explainer', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    await host.snapshot();
    assert.equal(await page.isVisible('#draw-pad'), false, 'no drawing pad for 32×32 colour input');
    // A 50×40 PNG: a red disc on black.
    const png = new PNG({ width: 50, height: 40 });
    for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) {
      const i = (y * 50 + x) * 4;
      const inside = (x - 25) ** 2 + (y - 20) ** 2 < 150;
      png.data[i] = inside ? 230 : 0; png.data[i + 1] = 10; png.data[i + 2] = 10; png.data[i + 3] = 255;
    }
    await page.setInputFiles('#image-file', { name: 'disc.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect' && m.subject.kind === 'own')");
    const sent = (await inspectsSent(page)).at(-1);
    assert.ok(sent?.subject.kind === 'own');
    assert.deepEqual(sent.what, { kind: 'featureMaps' });
    const image = sent.subject.image;
    assert.deepEqual([image.width, image.height, image.channels], [32, 32, 3]);
    assert.deepEqual(Array.from(decodeBase64(image.pixelsBase64)), Array.from(imageForModel(png.data, 50, 40, [32, 32, 3])), 'resized as the trainer resizes image folders');

    // The model's answer (recorded for a red disc): prediction, feature maps, "your image".
    const own = recordedInspections().get(4) as FeatureMapsMessage;
    await host.answer(own);
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'own'");
    assert.match(await textOf(page, '#fm-caption'), /^Your image, after epoch 4$/);
    assert.match(await textOf(page, '#fm-prediction'), /^Prediction: /);
    assert.ok(!(await textOf(page, '#fm-prediction')).includes('label'), 'an own image has no label');
    assert.equal((await page.$$('.fm-layer')).length, own.layers.length);
    // The explainer now works on it.
    await page.click('.fm-layer[data-layer="0"] .fm-tile[data-channel="2"]');
    await until(page, "window.__log.sent.filter((m) => m.type === 'inspect').length === 2");
    const askedExplain = (await inspectsSent(page)).at(-1);
    assert.equal(askedExplain?.subject.kind, 'own');
    assert.deepEqual(askedExplain?.what, { kind: 'explanation', layerIndex: 0, filter: 2 });
    await host.answer(recordedInspections().get(5) as ExplanationMessage);
    await page.waitForSelector('#explain-rows');
    assert.match(await textOf(page, '#explain-caption'), /on your image/);
    assert.ok(Number(await page.getAttribute('#explain-check', 'data-max-diff')) < 1e-4);
    // Back to the test sample, and to the image again.
    await page.click('#subject-test');
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'test'");
    await page.click('#subject-own');
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'own'");
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-own-image.png'), fullPage: true });
    assert.deepEqual((await pageLog(page)).errors, []);
    assert.deepEqual((await pageLog(page)).csp, []);
    await page.close();
  });

  it('makes a drawn digit into MNIST: 28×28, centre of mass at (14, 14)', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    await host.snapshot({ info: { ...model.runInfo, inputShape: [28, 28, 1], classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] } });
    assert.equal(await page.isVisible('#draw-pad'), true);
    assert.equal(await page.isVisible('#image-invert'), true, 'one channel: invert is offered for photos of digits');
    await unstick(page);
    await page.locator('#draw-pad').scrollIntoViewIfNeeded();
    const padBox = await page.locator('#draw-pad').boundingBox();
    assert.ok(padBox !== null);
    const box = { x: padBox.x, y: padBox.y, w: padBox.width };
    // A "7" in the upper left of the pad: a bar and a slanted stroke.
    const pts = [[0.15, 0.15], [0.45, 0.15], [0.3, 0.6]];
    await page.mouse.move(box.x + (pts[0]?.[0] ?? 0) * box.w, box.y + (pts[0]?.[1] ?? 0) * box.w);
    await page.mouse.down();
    for (const [x, y] of pts.slice(1)) await page.mouse.move(box.x + (x ?? 0) * box.w, box.y + (y ?? 0) * box.w, { steps: 12 });
    await page.mouse.up();
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect' && m.subject.kind === 'own')");
    const sent = (await inspectsSent(page)).at(-1);
    assert.ok(sent?.subject.kind === 'own');
    const img = sent.subject.image;
    assert.deepEqual([img.width, img.height, img.channels], [28, 28, 1]);
    const px = decodeBase64(img.pixelsBase64);
    const com = centreOfMass(px, 28, 28);
    assert.ok(com !== null);
    assert.ok(Math.abs(com.x - MNIST_CENTRE) < 0.05 && Math.abs(com.y - MNIST_CENTRE) < 0.05, `centre of mass (${com.x.toFixed(3)}, ${com.y.toFixed(3)})`);
    const rows = Array.from({ length: 28 }, (_, y) => px.subarray(y * 28, y * 28 + 28).some((v) => v > 0)).filter(Boolean).length;
    assert.ok(rows >= 20 && rows <= 22, `the digit is scaled to 20 rows (${rows})`);
    assert.ok(await page.$('#own-preview canvas') !== null, 'the preprocessed digit is shown');
    await unstick(page);
    await page.locator('#own-input').screenshot({ path: path.join(OUTPUT, 'drawing-pad.png') });
    await page.click('#draw-clear');
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });

  it('steps through the epochs with the slider and plays them; follows a live run', async function () {
    const model = await storedModel();
    const snap = model.snapshot();
    assert.deepEqual(snap.historyEpochs, [0, 1, 2, 3, 4]);
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    // The host answers each requestHistory from the run folder, as DashboardPanel does.
    const answered = new Set<number>();
    const serve = async (): Promise<void> => {
      const asks = ((await pageLog(page)).sent as { type: string; epoch?: number }[]).filter((m) => m.type === 'requestHistory');
      for (const a of asks) {
        if (a.epoch === undefined || answered.has(asks.indexOf(a))) continue;
        answered.add(asks.indexOf(a));
        const entry = await readHistoryEntry(FIXTURE_DIR, a.epoch);
        assert.ok(entry !== null);
        await host.append({ kind: 'historyEntry', entry });
      }
    };
    await host.snapshot();
    await until(page, "window.__log.sent.some((m) => m.type === 'requestHistory')");
    await serve();
    await until(page, "document.querySelector('#history-body').dataset.epoch === '4'");
    assert.equal(await textOf(page, '#history-epoch'), 'after epoch 4');
    assert.equal((await page.$$('.history-filters[data-layer="0"] canvas')).length, 8, 'the first layer\'s 8 filters');
    assert.equal((await page.$$('#history .fm-layer')).length, snap.featureMaps?.layers.length);

    await page.evaluate("(() => { const s = document.querySelector('#history-slider'); s.value = '0'; s.dispatchEvent(new Event('input')); })()");
    await until(page, "window.__log.sent.some((m) => m.type === 'requestHistory' && m.epoch === 0)");
    await serve();
    await until(page, "document.querySelector('#history-body').dataset.epoch === '0'");
    assert.equal(await textOf(page, '#history-epoch'), 'before training');
    // The untrained filters differ from the trained ones.
    const untrained = await canvasPixels(page, '.history-filters[data-layer="0"] canvas', 0);
    await unstick(page);
    await page.locator('#history').screenshot({ path: path.join(OUTPUT, 'epoch-slider.png') });

    // Play walks through epochs 1 … 4.
    await page.click('#history-play');
    for (const e of [1, 2, 3, 4]) {
      await until(page, `window.__log.sent.some((m) => m.type === 'requestHistory' && m.epoch === ${e})`);
      await serve();
      await until(page, `document.querySelector('#history-body').dataset.epoch === '${e}'`);
    }
    const trained = await canvasPixels(page, '.history-filters[data-layer="0"] canvas', 0);
    assert.notDeepEqual(trained.data, untrained.data);

    // Live: a new epoch's pictures arrive and the slider, at the latest, follows.
    await host.append(model.setLive(true, 'running'));
    const entry4 = await readHistoryEntry(FIXTURE_DIR, 4);
    assert.ok(entry4 !== null);
    await host.append(model.setHistoryEpochs([0, 1, 2, 3, 4, 5]));
    await until(page, "window.__log.sent.some((m) => m.type === 'requestHistory' && m.epoch === 5)");
    await host.append({ kind: 'historyEntry', entry: { ...entry4, epoch: 5, featureMaps: { ...entry4.featureMaps, epoch: 5 }, filters: { ...entry4.filters, epoch: 5 } } });
    await until(page, "document.querySelector('#history-body').dataset.epoch === '5'");
    assert.equal(await page.getAttribute('#history-slider', 'max'), '5');
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });

  it('opens the explainer on a filter when the Filters view (through the host) asks, and reports a failed question', async function () {
    const model = await storedModel();
    const page = await harness.open('dashboard');
    const host = new Host(page, model);
    await host.snapshot();
    await host.append({ kind: 'focus', focus: { kind: 'explain', layerIndex: 2, filter: 11 } });
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect')");
    const subject: InspectSubject = { kind: 'test', index: 0 };
    assert.deepEqual((await inspectsSent(page)).at(-1), { type: 'inspect', subject, what: { kind: 'explanation', layerIndex: 2, filter: 11 } });
    assert.equal(await page.evaluate("document.querySelector('#explain-layer').value"), '2');
    assert.equal(await page.evaluate("document.querySelector('#explain-filter').value"), '11');
    const requestId = await host.ask({ kind: 'explanation', layerIndex: 2, filter: 11 });
    await page.waitForSelector('#explain-pending');
    await host.append(...model.apply({ type: 'inspectFailed', requestId, error: { code: 'E_MODEL_INVALID', message: 'No such filter.', hint: 'Pick another.' } }));
    await page.waitForSelector('#explain-error');
    assert.equal(await textOf(page, '#explain-error'), 'No such filter. Pick another.');
    assert.equal(await page.$('#explain-pending'), null);
    await page.close();
  });
});
