/**
 * The dashboard's own-input section in headless Chromium: an image file dropped onto the dashboard
 * (a real `drop` event whose DataTransfer carries a File, as Chromium builds it for a file dragged
 * from the desktop) goes the file picker's way — resized as the data set is, shown, and posted to
 * the host; drags without a file are told what to do; and the own image's maps, refreshed by the
 * host after each epoch, do not pull the page away from the test sample the user chose.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { DashboardModel, SequenceCounter } from '../../src/extension/dashboardModel';
import type { FeatureMapsMessage } from '../../src/shared/trainerProtocol';
import type { DashboardUpdate, HostToDashboardMessage, InspectMessage } from '../../src/shared/webviewProtocol';
import { decodeBase64 } from '../../webview/common/math';
import { imageForModel } from '../../webview/common/preprocess';
import { OUTPUT, pageLog, postToPage, startHarness, until, type Harness } from './harness';
import { recordedInspections, storedModel } from './fixture';

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

async function inspectsSent(page: Page): Promise<InspectMessage[]> {
  return ((await pageLog(page)).sent as InspectMessage[]).filter((m) => m.type === 'inspect');
}

async function openWith(harness: Harness, model: DashboardModel): Promise<{ page: Page; seq: SequenceCounter }> {
  const page = await harness.open('dashboard');
  const seq = new SequenceCounter();
  await postToPage(page, { type: 'snapshot', seq: seq.next(), snapshot: model.snapshot(), l10n: null } satisfies HostToDashboardMessage);
  await until(page, `document.body.dataset.seq === '${seq.current}'`);
  return { page, seq };
}

async function append(page: Page, seq: SequenceCounter, ...updates: DashboardUpdate[]): Promise<void> {
  for (const update of updates) await postToPage(page, { type: 'append', seq: seq.next(), update } satisfies HostToDashboardMessage);
  await until(page, `document.body.dataset.seq === '${seq.current}'`);
}

/** What a drag's events did in the page: whether each was accepted (default prevented) and the section's highlight. */
interface DragOutcome { enter: boolean; over: boolean; highlighted: boolean; drop: boolean; highlightedAfter: boolean }

/**
 * Drags a DataTransfer over `target` and drops it there, as Chromium does for a drag from the
 * desktop: dragenter, dragover, drop on the element under the pointer, each with the same
 * DataTransfer. `file` puts a File (bytes, name, type) in it; `uriList` a URI as VS Code's Explorer does.
 */
async function dragAndDrop(page: Page, target: string, content: { file?: { name: string; type: string; bytes: Buffer }; uriList?: string }): Promise<DragOutcome> {
  const file = content.file !== undefined ? { name: content.file.name, type: content.file.type, base64: content.file.bytes.toString('base64') } : null;
  return page.evaluate<DragOutcome>(`(() => {
    const dt = new DataTransfer();
    const file = ${JSON.stringify(file)};
    if (file !== null) {
      const bin = atob(file.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], file.name, { type: file.type }));
    }
    const uri = ${JSON.stringify(content.uriList ?? null)};
    if (uri !== null) dt.setData('text/uri-list', uri);
    const el = document.querySelector(${JSON.stringify(target)});
    const r = el.getBoundingClientRect();
    const at = { clientX: r.left + r.width / 2, clientY: r.top + Math.min(10, r.height / 2) };
    const fire = (type) => {
      const e = new DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: dt, ...at });
      el.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const section = document.querySelector('#own-input');
    const enter = fire('dragenter');
    const over = fire('dragover');
    const highlighted = section.classList.contains('drop-target');
    const drop = fire('drop');
    return { enter, over, highlighted, drop, highlightedAfter: section.classList.contains('drop-target') };
  })()`);
}

/** A 60×45 PNG: a green square on black (an "own image" for the colour fixture model). */
function greenSquare(): { png: PNG; bytes: Buffer } {
  const png = new PNG({ width: 60, height: 45 });
  for (let y = 0; y < 45; y++) for (let x = 0; x < 60; x++) {
    const i = (y * 60 + x) * 4;
    const inside = x > 18 && x < 42 && y > 10 && y < 34;
    png.data[i] = 5; png.data[i + 1] = inside ? 210 : 0; png.data[i + 2] = 5; png.data[i + 3] = 255;
  }
  return { png, bytes: PNG.sync.write(png) };
}

describe('dashboard own input (drop, refresh)', function () {
  let harness: Harness;
  before(async function () { harness = await startHarness(); });
  after(async function () { await harness?.close(); });

  it('an image file dropped onto the dashboard (a drop event with a File) is resized as the data set is and submitted', async function () {
    const model = await storedModel();
    const { page } = await openWith(harness, model);
    // The section says that VS Code needs Shift held for a drop from the desktop.
    assert.match(await textOf(page, '#drop-hint'), /drop one from your file manager anywhere on the dashboard: hold Shift while dropping/);
    const { png, bytes } = greenSquare();
    // Dropped onto the summary table, far from the own-input section: anywhere on the page counts.
    const outcome = await dragAndDrop(page, '#summary', { file: { name: 'square.png', type: 'image/png', bytes } });
    assert.deepEqual(outcome, { enter: true, over: true, highlighted: true, drop: true, highlightedAfter: false },
      'the page accepts the drag (without preventDefault on dragover Chromium would not deliver the drop) and highlights the section');
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect' && m.subject.kind === 'own')");
    const sent = (await inspectsSent(page)).at(-1);
    assert.ok(sent?.subject.kind === 'own');
    assert.deepEqual(sent.what, { kind: 'featureMaps' });
    const image = sent.subject.image;
    assert.deepEqual([image.width, image.height, image.channels], [32, 32, 3], 'the fixture model takes 32×32 colour images');
    assert.deepEqual(Array.from(decodeBase64(image.pixelsBase64)), Array.from(imageForModel(png.data, 60, 45, [32, 32, 3])),
      'the same pixels as the file picker makes: resized as the trainer resizes image folders');
    assert.match(await textOf(page, '#own-preview figcaption'), /^square\.png resized to 32×32, as the data set's images are$/);
    assert.equal(await textOf(page, '#own-status'), 'Asking the model…');
    await page.locator('#own-input').scrollIntoViewIfNeeded();
    await page.evaluate("document.querySelector('#header').style.position = 'static'");
    await page.locator('#own-input').screenshot({ path: path.join(OUTPUT, 'own-input-dropped.png') });
    assert.deepEqual((await pageLog(page)).errors, []);
    assert.deepEqual((await pageLog(page)).csp, []);
    await page.close();
  });

  it('a drop without a file (a URI from VS Code\'s Explorer) or with a file that is no image says what to do; text drags are left alone', async function () {
    const model = await storedModel();
    const { page } = await openWith(harness, model);
    const uri = await dragAndDrop(page, '#own-input', { uriList: 'file:///home/student/digit.png' });
    assert.equal(uri.drop, true);
    assert.match(await textOf(page, '#own-status'), /^Only the name of the file arrived, not the file: .*holding Shift/);
    assert.equal(await page.getAttribute('#own-status', 'class'), 'error');

    await dragAndDrop(page, '#own-input', { file: { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image') } });
    await until(page, "document.querySelector('#own-status').textContent.includes('notes.txt')");
    assert.equal(await textOf(page, '#own-status'), 'notes.txt could not be read as an image. Use a PNG, JPEG, GIF, WebP or BMP file.');
    assert.equal((await inspectsSent(page)).length, 0, 'nothing was asked of the model');

    // A drag of plain text (a selection) is not taken: the page does not claim it.
    const text = await page.evaluate<boolean>(`(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'hello');
      const e = new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt });
      document.querySelector('#own-input').dispatchEvent(e);
      return e.defaultPrevented;
    })()`);
    assert.equal(text, false);
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });

  it('the own image\'s maps refreshed after an epoch are drawn without pulling the page away from the test sample', async function () {
    const model = await storedModel();
    const { page, seq } = await openWith(harness, model);
    const own = recordedInspections().get(4) as FeatureMapsMessage;
    // The user drops an image; its answer (recorded for a red disc) is shown.
    await dragAndDrop(page, '#own-input', { file: { name: 'square.png', type: 'image/png', bytes: greenSquare().bytes } });
    await until(page, "window.__log.sent.some((m) => m.type === 'inspect' && m.subject.kind === 'own')");
    const first = model.inspectAsked({ kind: 'featureMaps' });
    await append(page, seq, first.update, ...model.showFeatureMaps({ ...own, requestId: first.requestId }));
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'own'");
    assert.match(await textOf(page, '#fm-caption'), /^Your image, after epoch 4$/);
    assert.match(await textOf(page, '#own-status'), /^The model reads it as .+ \(\d+\.\d%\) after epoch 4;/);
    // The user goes back to the test sample; the host's refresh after the next epoch arrives.
    await page.click('#subject-test');
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'test'");
    const again = model.inspectAsked({ kind: 'featureMaps' });
    await append(page, seq, again.update, ...model.showFeatureMaps({ ...own, epoch: 5, requestId: again.requestId }));
    assert.equal(await page.getAttribute('#fm-caption', 'data-subject'), 'test', 'the refresh did not switch the maps to the own image');
    // Under the drawing, the model's reading follows the epochs too.
    assert.match(await textOf(page, '#own-status'), /^The model reads it as .+ \(\d+\.\d%\) after epoch 5; its feature maps are under Feature maps above\.$/);
    // Switching back shows the refreshed maps: after epoch 5.
    await page.click('#subject-own');
    await until(page, "document.querySelector('#fm-caption').dataset.subject === 'own'");
    assert.match(await textOf(page, '#fm-caption'), /^Your image, after epoch 5$/);
    assert.deepEqual((await pageLog(page)).errors, []);
    await page.close();
  });
});
