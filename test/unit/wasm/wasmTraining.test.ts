/**
 * Training on the wasm backend with every layer type, activation and optimizer of the model
 * language, on a tiny generated data set whose label is which quadrant of the image is bright
 * (learnable in a couple of epochs). Also checks that nothing leaks tensors.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, OPTIMIZERS, type Activation, type OptimizerName } from '../../../src/shared/modelSpec';
import { loadWasmBackend } from '../../../src/trainer/backends/wasm';

const SIZE = 8;
const CLASSES = 4;

/** `n` images SIZE×SIZE×3: noise, plus a bright quadrant that is the label. */
function quadrants(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const labels = Array.from({ length: n }, (_, i) => i % CLASSES);
    const values = new Float32Array(n * SIZE * SIZE * 3);
    let s = 12345;
    const rand = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
    labels.forEach((label, i) => {
      const qr = Math.floor(label / 2) * (SIZE / 2);
      const qc = (label % 2) * (SIZE / 2);
      for (let r = 0; r < SIZE; r++) {
        for (let c = 0; c < SIZE; c++) {
          const inside = r >= qr && r < qr + SIZE / 2 && c >= qc && c < qc + SIZE / 2;
          for (let ch = 0; ch < 3; ch++) values[((i * SIZE + r) * SIZE + c) * 3 + ch] = 0.3 * rand() + (inside ? 0.7 : 0);
        }
      }
    });
    return { x: tf.tensor4d(values, [n, SIZE, SIZE, 3]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) as tf.Tensor2D };
  });
}

const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });

function optimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case 'adam': return tf.train.adam(lr);
    case 'sgd': return tf.train.sgd(lr);
    case 'rmsprop': return tf.train.rmsprop(lr);
    case 'adagrad': return tf.train.adagrad(lr);
    case 'adamax': return tf.train.adamax(lr);
  }
}

describe('wasm backend training', () => {
  let previousBackend: string | undefined;
  let data: { x: tf.Tensor4D; y: tf.Tensor2D };

  before(async function () {
    this.timeout(60_000);
    previousBackend = tf.getBackend();
    await loadWasmBackend();
    data = quadrants(64);
  });

  after(async () => {
    tf.dispose([data.x, data.y]);
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  /** Two nets: together they hold every layer type (flatten and global pooling exclude each other). */
  const nets: [string, () => tf.layers.Layer[]][] = [
    ['conv, batchnorm, maxpool, activation, avgpool, flatten, dropout, dense', () => [
      tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.batchNormalization({ momentum: 0.99, epsilon: 0.001 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 2, strides: 1, padding: 'valid', kernelInitializer: init(2) }),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.25, seed: 3 }),
      tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(4) }),
    ]],
    ['strided conv, global average pooling, dense', () => [
      tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu', kernelInitializer: init(5) }),
      tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', useBias: false, kernelInitializer: init(6) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(7) }),
    ]],
  ];

  for (const [label, layers] of nets) {
    it(`trains 2 epochs with the loss going down, leaking nothing: ${label}`, async function () {
      this.timeout(30_000);
      const before = tf.memory().numTensors;
      const model = tf.sequential({ layers: layers() });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      // 'adam' by name: the model owns the optimizer and disposes it with itself.
      const h = await model.fit(data.x, data.y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const loss = h.history.loss as number[];
      assert.equal(loss.length, 2);
      assert.ok(loss.every(Number.isFinite), `loss ${loss.join(', ')}`);
      assert.ok((loss[1] as number) < (loss[0] as number), `loss did not decrease: ${loss.join(' → ')}`);
      model.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }

  /** Two optimiser steps on one batch; returns how far the weights moved and the losses. */
  async function twoSteps(activation: Activation, opt: OptimizerName): Promise<{ losses: number[]; moved: number }> {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 4, kernelSize: 3, activation, kernelInitializer: init(8) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 5, activation, kernelInitializer: init(9) }),
        tf.layers.activation({ activation }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(10) }),
      ],
    });
    const o = optimizer(opt, 0.01);
    model.compile({ optimizer: o, loss: 'categoricalCrossentropy' });
    const start = model.getWeights().map((w) => w.dataSync().slice());
    const x = data.x.slice(0, 16);
    const y = data.y.slice(0, 16);
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) losses.push(await model.trainOnBatch(x, y) as number);
    let moved = 0;
    model.getWeights().forEach((w, i) => {
      const now = w.dataSync();
      const was = start[i];
      if (was !== undefined) now.forEach((v, j) => { moved = Math.max(moved, Math.abs(v - (was[j] as number))); });
    });
    tf.dispose([x, y]);
    model.dispose();
    o.dispose();
    return { losses, moved };
  }

  it('trains with every activation of the model language', async function () {
    this.timeout(30_000);
    const before = tf.memory().numTensors;
    for (const activation of ACTIVATIONS) {
      const { losses, moved } = await twoSteps(activation, 'adam');
      assert.ok(losses.every(Number.isFinite), `${activation}: loss ${losses.join(', ')}`);
      assert.ok(moved > 0, `${activation}: no weight changed`);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('trains with every optimizer of the model language', async function () {
    this.timeout(30_000);
    const before = tf.memory().numTensors;
    for (const opt of OPTIMIZERS) {
      const { losses, moved } = await twoSteps('relu', opt);
      assert.ok(losses.every(Number.isFinite), `${opt}: loss ${losses.join(', ')}`);
      assert.ok(moved > 0, `${opt}: no weight changed`);
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
