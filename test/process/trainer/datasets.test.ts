/**
 * The data sets the model language names, each reached through the real trainer process (the
 * MNIST offline fallback is covered by trainer.test.ts): Fashion-MNIST from Debian's local copy,
 * an image folder of PNG and JPEG files (colour, and converted with `grayscale: true`), and the
 * generated `shapes` with augmentation. Tiny slices, one or two epochs: these test the plumbing
 * from model file to trained run, not accuracy targets.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { TypedModelSpec } from '../../../src/core';
import type { ModelSpec } from '../../../src/shared/modelSpec';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { asBytes } from '../../../src/shared/bytes';
import { DEFAULT_LOCAL_FASHION_MNIST_DIR } from '../../../src/trainer/data/index';
import { readSummary } from '../../../src/trainer/runFolder';
import { TrainerHarness, smallSpec, startRequest } from './harness';

/** A small RGB conv net for `size`×`size`×`channels` inputs. */
function rgbSpec(dataset: ModelSpec['dataset'], size: number, channels: 1 | 3, numClasses: number, train: Partial<ModelSpec['train']> = {}): TypedModelSpec {
  return {
    name: 'datasets-test', dataset, grayscale: channels === 1 && dataset.kind === 'folder', inputShape: [size, size, channels], numClasses,
    layers: [
      { type: 'conv2d', filters: 8, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true },
      { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
      { type: 'flatten' },
      { type: 'dense', units: numClasses, activation: 'softmax', useBias: true },
    ],
    train: { ...DEFAULT_TRAIN, epochs: 1, batchSize: 16, learningRate: 0.005, seed: 3, ...train },
  };
}

async function train(runDir: string, dataDir: string, spec: ModelSpec, extra: Parameters<typeof startRequest>[3] = {}): Promise<TrainerHarness> {
  const t = new TrainerHarness();
  t.send(startRequest(runDir, dataDir, spec, extra));
  const done = await t.done();
  assert.equal(done.status, 'completed', t.stderr.join('') + JSON.stringify(t.of('error')));
  return t;
}

/** Writes `count` noisy images of one colour per class: PNG for even, JPEG for odd indices. */
function writeColourFolder(root: string, classes: Record<string, readonly [number, number, number]>, count: number): void {
  let seed = 1;
  const noise = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed % 41) - 20; };
  for (const [name, rgb] of Object.entries(classes)) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let i = 0; i < count; i++) {
      const [w, h] = [20 + (i % 3), 18];
      const data = new Uint8Array(w * h * 4);
      for (let p = 0; p < w * h; p++) {
        for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.max(0, Math.min(255, (rgb[c] as number) + noise()));
        data[p * 4 + 3] = 255;
      }
      if (i % 2 === 0) {
        const img = new PNG({ width: w, height: h });
        img.data.set(data);
        fs.writeFileSync(path.join(root, name, `${i}.png`), asBytes(PNG.sync.write(img)));
      } else {
        fs.writeFileSync(path.join(root, name, `${i}.jpg`), asBytes(jpeg.encode({ width: w, height: h, data }, 90).data));
      }
    }
  }
}

describe('trainer process: data sets', function () {
  let tmp: string;
  let dataDir: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-datasets-'));
    dataDir = path.join(tmp, 'data');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('trains on Fashion-MNIST from the local Debian copy', async function () {
    if (!fs.existsSync(path.join(DEFAULT_LOCAL_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'))) {
      // scripts/system-deps.sh installs it (apt package dataset-fashion-mnist).
      this.skip();
    }
    const spec: ModelSpec = { ...smallSpec({ epochs: 1 }), dataset: { kind: 'builtin', name: 'fashion-mnist' } };
    const runDir = path.join(tmp, 'run-fashion');
    const t = await train(runDir, dataDir, spec, { maxTrainSamples: 256, maxTestSamples: 100 });
    const ds = t.of('dataset')[0];
    assert.ok(ds);
    assert.equal(ds.name, 'fashion-mnist');
    assert.ok(ds.source.includes(DEFAULT_LOCAL_FASHION_MNIST_DIR), ds.source);
    assert.deepEqual(ds.inputShape, [28, 28, 1]);
    assert.equal(ds.classNames.length, 10);
    assert.equal(ds.trainCount, 256);
    assert.equal(ds.testCount, 100);
    const ev = t.of('evaluation')[0];
    assert.ok(ev && ev.confusion.flat().reduce((a, b) => a + b, 0) === 100);
    assert.equal(readSummary(runDir)?.dataset, 'fashion-mnist');
  });

  it('trains on an image folder of PNG and JPEG files, in colour and converted to grayscale', async () => {
    const images = path.join(tmp, 'models', 'colours');
    writeColourFolder(images, { red: [220, 40, 40], green: [40, 200, 60], blue: [40, 60, 220] }, 20);
    const folder = { kind: 'folder', path: 'colours', imageSize: [16, 16], testSplit: 0.25 } as const;
    const modelDir = path.join(tmp, 'models');

    const colour = await train(path.join(tmp, 'run-folder'), dataDir, rgbSpec(folder, 16, 3, 3, { epochs: 3 }), { modelDir });
    const ds = colour.of('dataset')[0];
    assert.ok(ds);
    assert.equal(ds.name, 'colours');
    assert.deepEqual(ds.classNames, ['blue', 'green', 'red'], 'sorted folder names');
    assert.deepEqual(ds.inputShape, [16, 16, 3]);
    assert.equal(ds.testCount, 15, '25 % of each class of 20');
    assert.equal(ds.trainCount + ds.validationCount, 45);
    assert.equal(colour.of('filters').at(-1)?.layers[0]?.inChannels, 3, 'one kernel slice per colour channel');
    const ev = colour.of('evaluation')[0];
    assert.ok(ev && ev.testAcc > 1 / 3, `colours are learnable: test accuracy ${ev?.testAcc}`);

    const gray = await train(path.join(tmp, 'run-folder-gray'), dataDir, rgbSpec(folder, 16, 1, 3), { modelDir });
    const gds = gray.of('dataset')[0];
    assert.ok(gds);
    assert.deepEqual(gds.inputShape, [16, 16, 1]);
    assert.match(gds.source, /grayscale/);
    assert.equal(gray.of('filters').at(-1)?.layers[0]?.inChannels, 1);
    assert.equal(Buffer.from(gray.of('featureMaps')[0]?.input.pixelsBase64 ?? '', 'base64').length, 16 * 16);
  });

  it('trains on shapes with flips and shifts: augmented batches differ from the raw ones, validation does not augment', async () => {
    const slice = { maxTrainSamples: 96, maxTestSamples: 45 };
    const shapes = { kind: 'builtin', name: 'shapes' } as const;
    const raw = await train(path.join(tmp, 'run-shapes-raw'), dataDir, rgbSpec(shapes, 32, 3, 9), slice);
    const augmentedSpec = rgbSpec(shapes, 32, 3, 9, { augment: { flipHorizontal: true, shift: 0.125 } });
    const aug = await train(path.join(tmp, 'run-shapes-aug'), dataDir, augmentedSpec, slice);

    const ds = aug.of('dataset')[0];
    assert.ok(ds && ds.name === 'shapes');
    assert.deepEqual(ds.inputShape, [32, 32, 3]);
    assert.equal(aug.of('filters').at(-1)?.layers[0]?.inChannels, 3);
    // The first batch meets the same initial weights and the same sample indices in both runs (the
    // same seed gives the same run: trainer.test.ts), so its loss differs only when the pixels differ.
    const firstLoss = (t: TrainerHarness): number | undefined => t.of('batch')[0]?.loss;
    assert.notEqual(firstLoss(aug), firstLoss(raw), 'augmentation changes the training batch');
    // Before training (epoch 0) the feature maps of the test sample are the same: evaluation never augments.
    assert.deepEqual(aug.of('featureMaps')[0]?.layers, raw.of('featureMaps')[0]?.layers);
    const e = aug.of('epochEnd')[0];
    assert.ok(e && Number.isFinite(e.loss) && e.valLoss !== null && Number.isFinite(e.valLoss));
  });
});
