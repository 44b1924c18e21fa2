/**
 * The user's own digit in a real VS Code: a "1" drawn on the dashboard's drawing pad while MNIST
 * trains. The extension host cannot reach into the page's DOM (the e2e steps draw with the mouse),
 * so this test makes the pad's pixels the way the page does (a pen stroke on the pad's 280×280
 * canvas, then webview/common/preprocess's MNIST preprocessing: scaled into 20×20, centred by its
 * centre of mass in 28×28) and hands the dashboard the very `inspect` message the pad posts,
 * through the same guard and handler. It reads back what the dashboard holds for its page: the
 * prediction and feature maps, asked again after every epoch, answered by the training model
 * and, at the end, by the finished model.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CnnLabApi } from '../../../src/extension/main';
import type { ImagePayload } from '../../../src/shared/trainerProtocol';
import type { DashboardFeatureMaps, InspectMessage } from '../../../src/shared/webviewProtocol';
import { encodeBase64, mnistFromDrawing } from '../../../webview/common/preprocess';
import { activateCnnLab, allTabs, pollUntil } from './util';

/** The pad's canvas and pen in canvas pixels (webview/dashboard/ownInput.ts PAD_PX, PEN_PX). */
const PAD_PX = 280;
const PEN_PX = 24;

/** A round-capped pen stroke through `points` on the black pad, white as the page draws it, with a one-pixel anti-aliased edge. */
function penStroke(points: readonly (readonly [number, number])[]): Uint8Array {
  const img = new Uint8Array(PAD_PX * PAD_PX);
  const r = PEN_PX / 2;
  for (let y = 0; y < PAD_PX; y++) {
    for (let x = 0; x < PAD_PX; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let d = Infinity;
      for (let i = 0; i + 1 < points.length; i++) {
        const [ax, ay] = points[i] ?? [0, 0];
        const [bx, by] = points[i + 1] ?? [0, 0];
        const vx = bx - ax;
        const vy = by - ay;
        const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / Math.max(1e-9, vx * vx + vy * vy)));
        d = Math.min(d, Math.hypot(px - (ax + t * vx), py - (ay + t * vy)));
      }
      img[y * PAD_PX + x] = Math.round(255 * Math.max(0, Math.min(1, r + 0.5 - d)));
    }
  }
  return img;
}

const argmax = (p: readonly number[]): number => p.reduce((best, v, i) => (v > (p[best] ?? -Infinity) ? i : best), 0);

/** The test's run: long enough to submit the digit while it trains, trained enough to read a clean "1" (about 96% test accuracy). */
const TRAINING = { epochs: 5, maxTrainSamples: 4000 } as const;

describe('own input: a digit drawn on the dashboard\'s pad', function () {
  this.timeout(300_000);
  let api: CnnLabApi;

  before(async () => { api = await activateCnnLab(); });

  it('a drawn "1" (the pad\'s pixels in the pad\'s own inspect message, not the DOM): prediction and maps follow each epoch, and the trained model says 1', async () => {
    await vscode.window.tabGroups.close(allTabs().filter((x) => x.input instanceof vscode.TabInputWebview));
    const training = vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', TRAINING);
    const runDir = await pollUntil(() => api.activeRunDir(), 60_000, 'the MNIST run to start');
    await pollUntil(() => api.dashboardState(runDir), 30_000, 'the run\'s dashboard to open');

    // A vertical stroke down the middle of the pad, made into MNIST's 28×28 as the page does.
    const digit = mnistFromDrawing(penStroke([[140, 40], [140, 240]]), PAD_PX, PAD_PX);
    assert.ok(digit !== null);
    const image: ImagePayload = { width: 28, height: 28, channels: 1, pixelsBase64: encodeBase64(digit) };
    const pad: InspectMessage = { type: 'inspect', subject: { kind: 'own', image }, what: { kind: 'featureMaps' } };
    assert.ok(api.postFromDashboard(runDir, pad), 'the dashboard of the run is open');

    // Every answer the dashboard gets about the digit, by epoch.
    const answers = new Map<number, DashboardFeatureMaps>();
    const watch = setInterval(() => {
      const own = api.dashboardState(runDir)?.ownInput;
      if (own) answers.set(own.epoch, own);
    }, 20);
    let final: DashboardFeatureMaps;
    try {
      const result = await training;
      assert.equal(result, runDir, `trainMnist resolved with ${JSON.stringify(result)}`);
      // The last epoch's answer comes from the training model, or (when the trainer ended first)
      // from an inspection process on the finished run's weights.
      final = await pollUntil(() => { const o = api.dashboardState(runDir)?.ownInput; return o?.epoch === TRAINING.epochs ? o : undefined; },
        120_000, `the digit's answer after epoch ${TRAINING.epochs} (answers so far: epochs ${[...answers.keys()].join(', ')})`);
      answers.set(final.epoch, final);
    } finally {
      clearInterval(watch);
    }
    const epochs = [...answers.keys()].sort((a, b) => a - b);
    const p1 = epochs.map((e) => answers.get(e)?.probabilities?.[1] ?? NaN);
    console.log(`own "1": answered after epochs ${epochs.join(', ')}; P(1) ${p1.map((p) => p.toFixed(3)).join(' → ')}`);
    assert.ok(epochs.length >= 3, `the digit was asked again as the run trained (answers after epochs ${epochs.join(', ')})`);
    assert.ok(epochs.filter((e) => e >= 1).length >= 2, `answers from at least two trained epochs (${epochs.join(', ')})`);

    // What the dashboard shows for the drawing: the input it was given, no label, and a prediction.
    assert.equal(final.sampleIndex, null);
    assert.equal(final.label, null);
    assert.equal(final.input.pixelsBase64, image.pixelsBase64, 'the maps are of the drawn digit');
    const probs = final.probabilities ?? [];
    assert.equal(probs.length, 10);
    assert.ok(probs.every((p) => p >= 0 && p <= 1));
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, `probabilities sum to ${probs.reduce((a, b) => a + b, 0)}`);
    // Five epochs on 4,000 images read a clean stroke as 1 with P ≈ 0.99 on every backend (measured:
    // native 0.997, wasm 0.97 for 3 epochs; the suite's usual 1-epoch, 256-image run, at 28% test
    // accuracy, gives P(1) = 0.12, which is why this test trains its own run).
    assert.equal(argmax(probs), 1, `top class ${argmax(probs)}, probabilities ${probs.map((p) => p.toFixed(3)).join(' ')}`);
    assert.ok((probs[1] ?? 0) > 0.8, `P(1) = ${probs[1]}`);
    assert.ok((probs[1] ?? 0) > (p1[0] ?? 1), 'the prediction followed training: P(1) grew from the first answer to the last');

    // The feature maps of that input: every conv and pooling layer of the model, at its output shape.
    const state = api.dashboardState(runDir);
    assert.ok(state?.modelSummary);
    const expected = state.modelSummary.layers.flatMap((l, i) => (l.type === 'conv2d' || l.type === 'maxpool2d' ? [{ i, shape: l.outputShape.slice(-3) }] : []));
    assert.deepEqual(final.layers.map((l) => l.layerIndex), expected.map((e) => e.i));
    for (const [k, layer] of final.layers.entries()) {
      assert.deepEqual([...layer.shape], expected[k]?.shape, `${layer.name} output shape`);
      const [h, w, c] = layer.shape;
      assert.equal(Buffer.from(layer.valuesBase64, 'base64').length, h * w * c, `${layer.name}: one byte per activation`);
      assert.equal(layer.ranges.length, c);
    }
    assert.ok(final.layers[0]?.ranges.some(([lo, hi]) => hi > lo), 'the first conv layer responds to the stroke');
    assert.deepEqual(state.inspect, { pending: [], error: null }, 'nothing left pending, no error');
    await vscode.window.tabGroups.close(allTabs().filter((x) => x.input instanceof vscode.TabInputWebview));
  });
});
