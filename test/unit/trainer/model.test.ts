/** Model building, seeding, batches and the run folder's checkpoint round trip (cpu backend). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { layerNames, type TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { SeededDropout } from '../../../src/trainer/layers/index';
import { buildModel, compileModel } from '../../../src/trainer/model';
import { fillImages, makeBatch } from '../../../src/trainer/batches';
import { stream } from '../../../src/trainer/rng';
import {
  MetricsLog, listCheckpoints, modelArtifacts, readMetrics, readModelDir, restoreModelDir, truncateMetrics, writeModelDir,
} from '../../../src/trainer/runFolder';

const spec = (seed = 3): TypedModelSpec => ({
  name: 't', dataset: { kind: 'builtin', name: 'mnist' }, grayscale: false, inputShape: [8, 8, 1], numClasses: 3,
  layers: [
    { type: 'conv2d', filters: 4, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true },
    { type: 'batchnorm', momentum: 0.99, epsilon: 0.001 },
    { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 3, activation: 'softmax', useBias: true },
  ],
  train: { ...DEFAULT_TRAIN, seed, batchSize: 4 },
});

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('trainer model', () => {
  before(async () => { await tf.setBackend('cpu'); });

  it('names layers like Keras and keeps a stock Dropout class in the topology', () => {
    const { model, names } = buildModel(spec());
    assert.deepEqual(names, layerNames(spec().layers));
    assert.deepEqual(model.layers.map((l) => l.name), ['conv2d', 'batch_normalization', 'max_pooling2d', 'flatten', 'dropout', 'dense']);
    const topo = JSON.stringify(model.toJSON(null, false));
    assert.match(topo, /"class_name":"Dropout"/);
  });

  it('seeds initial weights itself: same seed same weights, other seed other weights, Glorot-uniform range', () => {
    const a = weightsOf(buildModel(spec(3)).model);
    const b = weightsOf(buildModel(spec(3)).model);
    const c = weightsOf(buildModel(spec(4)).model);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0], c[0]);
    const limit = Math.sqrt(6 / (9 * 1 + 9 * 4));
    assert.ok((a[0] ?? []).every((v) => Math.abs(v) <= limit) && (a[0] ?? []).some((v) => Math.abs(v) > limit / 2));
    assert.ok((a[1] ?? []).every((v) => v === 0), 'bias zeros');
  });

  it('draws a fresh dropout mask per training call, reproducible per (seed, epoch), identity at inference', () => {
    const d = new SeededDropout({ rate: 0.5, name: 'dropout', seed: 1 });
    const x = tf.ones([1, 64]);
    const m1 = Array.from((d.apply(x, { training: true }) as tf.Tensor).dataSync());
    const m2 = Array.from((d.apply(x, { training: true }) as tf.Tensor).dataSync());
    assert.notDeepEqual(m1, m2);
    assert.ok(m1.every((v) => v === 0 || v === 2));
    d.reseed(1, 0);
    assert.deepEqual(Array.from((d.apply(x, { training: true }) as tf.Tensor).dataSync()), m1);
    assert.deepEqual(Array.from((d.apply(x) as tf.Tensor).dataSync()), Array.from(x.dataSync()));
  });

  it('builds batches normalised to [0, 1] and augments with flips and edge-filled shifts', () => {
    const images = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 10); // two 2×3 one-channel images
    const set = { images, labels: Uint8Array.from([1, 2]), count: 2 };
    const { x, y } = makeBatch(set, [1], [2, 3, 1], 3);
    assert.deepEqual(Array.from(x.dataSync()).map((v) => Math.round(v * 255)), [60, 70, 80, 90, 100, 110]);
    assert.deepEqual(Array.from(y.dataSync()), [0, 0, 1]);
    tf.dispose([x, y]);
    const out = new Float32Array(6);
    fillImages(set, [0], [2, 3, 1], out, { spec: { flipHorizontal: true, shift: 0 }, rng: { next: () => 0, int: () => 0 } as never });
    assert.deepEqual(Array.from(out).map((v) => Math.round(v * 255)), [20, 10, 0, 50, 40, 30]);
    // dx = int(3) - 1 = +1 column, dy = int(3) - 1 = 0 rows, no flip: column 0 repeats the edge.
    const draws = [2, 1];
    fillImages(set, [0], [2, 3, 1], out, { spec: { flipHorizontal: false, shift: 0.34 }, rng: { next: () => 0.9, int: () => draws.shift() ?? 1 } as never });
    assert.deepEqual(Array.from(out).map((v) => Math.round(v * 255)), [0, 0, 10, 30, 30, 40]);
  });

  it('checkpoints round-trip weights and Adam state exactly, without leaking tensors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-ckpt-'));
    try {
      const s = spec();
      const xs = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 5);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3).toFloat();
      const a = buildModel(s);
      const optA = compileModel(a, s);
      await a.model.trainOnBatch(xs, ys);
      await a.model.trainOnBatch(xs, ys);
      const before = tf.memory().numTensors;
      writeModelDir(path.join(dir, 'checkpoints', 'epoch-1'), await modelArtifacts(a.model, optA));
      assert.equal(tf.memory().numTensors, before, 'saving leaks nothing');
      assert.deepEqual(listCheckpoints(dir), [1]);
      fs.mkdirSync(path.join(dir, 'checkpoints', 'epoch-2')); // an empty (incomplete) folder is not a checkpoint
      assert.deepEqual(listCheckpoints(dir), [1]);

      const b = buildModel({ ...s, train: { ...s.train, seed: 99 } });
      const optB = compileModel(b, s);
      const saved = readModelDir(path.join(dir, 'checkpoints', 'epoch-1'));
      assert.ok(saved);
      await restoreModelDir(saved, b.model, optB);
      assert.deepEqual(weightsOf(b.model), weightsOf(a.model));
      for (const d of [...a.dropouts, ...b.dropouts]) d.reseed(1, 2);
      const la = await a.model.trainOnBatch(xs, ys);
      const lb = await b.model.trainOnBatch(xs, ys);
      assert.deepEqual(lb, la, 'the next step after restore is identical');
      assert.deepEqual(weightsOf(b.model), weightsOf(a.model));
      tf.dispose([xs, ys]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads metrics past a torn last line and truncates to a checkpoint', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-metrics-'));
    try {
      const log = new MetricsLog(path.join(dir, 'metrics.jsonl'));
      for (const epoch of [1, 2]) {
        log.append({ kind: 'batch', time: 0, epoch, batch: 1, batchesPerEpoch: 1, loss: 1, acc: 0.5, samplesPerSec: 1, etaSec: 0 });
        log.append({ kind: 'epoch', time: 0, epoch, loss: 1, acc: 0.5, valLoss: null, valAcc: null, durationSec: 1, samplesPerSec: 1, numTensors: 1 });
      }
      log.close();
      fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"batch","epo');
      assert.equal(readMetrics(dir).length, 4);
      assert.equal(truncateMetrics(dir, 1), 2);
      assert.deepEqual(readMetrics(dir).map((r) => `${r.kind}${r.epoch}`), ['batch1', 'epoch1']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives independent streams per purpose and epoch', () => {
    assert.equal(stream(1, 'shuffle', 2).next(), stream(1, 'shuffle', 2).next());
    assert.notEqual(stream(1, 'shuffle', 2).next(), stream(1, 'shuffle', 3).next());
    assert.notEqual(stream(1, 'shuffle', 2).next(), stream(1, 'augment', 2).next());
  });
});
