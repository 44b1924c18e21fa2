/**
 * Issue 11: a model the language accepts must build. Keras builds a Sequential whatever its first
 * layer (dropout, batchnorm, activation, pooling... given the input shape), and its Flatten passes
 * a vector through; the trainer's models must do the same, with the shapes the language infers,
 * and their saved topology must load in stock tfjs (cpu backend).
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { inferSummary } from '../../../src/core';
import type { LayerSpec, TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { buildModel } from '../../../src/trainer/model';

const spec = (layers: LayerSpec[]): TypedModelSpec => ({
  name: 't', dataset: { kind: 'builtin', name: 'mnist' }, grayscale: false, inputShape: [8, 8, 2], numClasses: 3,
  layers, train: { ...DEFAULT_TRAIN, seed: 1 },
});
const flatten: LayerSpec = { type: 'flatten' };
const out: LayerSpec = { type: 'dense', units: 3, activation: 'softmax', useBias: true };
const FIRST: Readonly<Record<string, LayerSpec>> = {
  dropout: { type: 'dropout', rate: 0.3 },
  batchnorm: { type: 'batchnorm', momentum: 0.99, epsilon: 0.001 },
  activation: { type: 'activation', activation: 'relu' },
  maxpool2d: { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
  avgpool2d: { type: 'avgpool2d', pool: [2, 2], strides: [1, 1], padding: 'same' },
  globalavgpool2d: { type: 'globalavgpool2d' },
  flatten,
  conv2d: { type: 'conv2d', filters: 2, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
};

function checkBuilds(s: TypedModelSpec): void {
  const { model } = buildModel(s);
  try {
    const summary = inferSummary(s);
    assert.deepEqual(model.inputs[0]?.shape, [null, ...s.inputShape]);
    assert.deepEqual(model.layers.map((l) => (l.outputShape as (number | null)[]).slice(1)), summary.layers.map((l) => [...l.outputShape]));
    assert.equal(model.countParams(), summary.totalParams);
    const y = tf.tidy(() => (model.predict(tf.ones([2, ...s.inputShape])) as tf.Tensor).shape);
    assert.deepEqual(y, [2, 3]);
  } finally {
    model.dispose();
  }
}

describe('trainer model: any first layer, flatten of a vector', () => {
  before(async () => { await tf.setBackend('cpu'); });

  for (const [type, first] of Object.entries(FIRST)) {
    it(`builds with ${type} first, with the language's shapes`, () => {
      checkBuilds(spec(type === 'flatten' || type === 'globalavgpool2d' ? [first, out] : [first, flatten, out]));
    });
  }

  it('flattens a vector as Keras does (identity), before and after dense layers', () => {
    checkBuilds(spec([flatten, flatten, { type: 'dense', units: 5, activation: 'relu', useBias: true }, flatten, out]));
    checkBuilds(spec([{ type: 'globalavgpool2d' }, flatten, { type: 'dropout', rate: 0.2 }, flatten, out]));
  });

  it('saves a stock topology that loads in tfjs: a leading Dropout keeps its input shape', async () => {
    const s = spec([FIRST.dropout as LayerSpec, flatten, flatten, out]);
    const { model } = buildModel(s);
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler((a) => { saved = a; return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }); }));
    assert.ok(saved);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), ['Dropout', 'Flatten', 'Reshape', 'Dense']);
    const x = tf.randomUniform([2, ...s.inputShape], 0, 1, 'float32', 1);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
