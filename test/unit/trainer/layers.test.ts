/**
 * The trainer's layer modules (src/trainer/layers/) against the model language's registry
 * (src/core/layers/), on the cpu backend: every layer type builds with the shapes, parameter
 * counts and Keras names the core infers, trains a step without leaking tensors and saves a
 * topology tfjs loads again; the new layers' own behaviour (initialisers with Keras's fans,
 * whole-channel dropout, ELU's alpha, the exact GELU, unequal depthwise strides) checked by value.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { analyzeModelText, inferSummary, LAYER_TYPES, layerDef, layerNames } from '../../../src/core';
import type { LayerSpec, LayerType, TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { registerFastCpuKernels } from '../../../src/trainer/backends/cpuKernels';
import { loadWasmBackend } from '../../../src/trainer/backends/wasm';
import { depthwiseConv } from '../../../src/trainer/layers/depthwise';
import { SpatialDropout2D } from '../../../src/trainer/layers/index';
import { buildModel, compileModel } from '../../../src/trainer/model';

/** The registry's own example of a layer type (`conv2d: { filters: 32, ... }`) as a layer item. */
const example = (type: LayerType): string => layerDef(type).example.replace(/^`|`$/g, '');

/** A model file around `type`'s example that the language accepts: alone, before a head, or after a flatten. */
function exampleModel(type: LayerType): TypedModelSpec {
  const ex = example(type);
  const out = 'dense: { units: 9, activation: softmax }';
  for (const layers of [[ex, 'flatten: {}', out], [ex, out], ['flatten: {}', ex, out]]) {
    const text = ['name: t', 'dataset: shapes', 'layers:', ...layers.map((l) => `  - ${l}`), 'train: { seed: 5, batchSize: 4 }', ''].join('\n');
    const a = analyzeModelText(text);
    if (a.spec && !a.diagnostics.some((d) => d.severity === 'error')) return a.spec;
  }
  throw new Error(`no model around ${ex} is accepted`);
}

const spec = (layers: LayerSpec[], inputShape: [number, number, number] = [9, 9, 2]): TypedModelSpec => ({
  name: 't', dataset: { kind: 'builtin', name: 'shapes' }, grayscale: false, inputShape, numClasses: 3,
  layers, train: { ...DEFAULT_TRAIN, seed: 5, batchSize: 4 },
});
const dense3: LayerSpec = { type: 'dense', units: 3, activation: 'softmax', useBias: true };
const flatten: LayerSpec = { type: 'flatten' };

async function reload(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler((a) => {
    saved = a;
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
  }));
  if (!saved) throw new Error('nothing saved');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

describe('trainer layer modules', () => {
  before(async () => {
    registerFastCpuKernels();
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
  describe(`every layer type builds as the core infers it, trains a step and reloads (${backend})`, () => {
    before(async function () {
      this.timeout(60_000);
      if (backend === 'wasm') await loadWasmBackend();
      else await tf.setBackend('cpu');
    });
    after(async () => { await tf.setBackend('cpu'); });

    if (backend === 'wasm') {
      it('wasm\'s depthwise gradient kernels (CNN Lab\'s) equal the cpu backend\'s', async () => {
        const grads = async (be: string, strides: [number, number], padding: 'same' | 'valid', mult: number, batch: number): Promise<number[][]> => {
          await tf.setBackend(be);
          return tf.tidy(() => {
            const x = tf.tensor4d(Array.from({ length: batch * 7 * 6 * 3 }, (_, i) => Math.sin(i * 0.37)), [batch, 7, 6, 3]);
            const w = tf.tensor4d(Array.from({ length: 3 * 2 * 3 * mult }, (_, i) => Math.cos(i * 0.91)), [3, 2, 3, mult]);
            const y = tf.depthwiseConv2d(x, w, strides, padding);
            const r = tf.tensor(Array.from({ length: y.size }, (_, i) => Math.sin(i * 1.3)), y.shape);
            return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, padding), r)))([x, w])
              .map((g) => Array.from(g.dataSync()));
          });
        };
        for (const [strides, padding, mult, batch] of [[[1, 1], 'same', 1, 2], [[2, 2], 'valid', 2, 1], [[1, 2], 'same', 3, 2], [[3, 1], 'valid', 1, 3]] as const) {
          const want = await grads('cpu', [...strides], padding, mult, batch);
          const got = await grads('wasm', [...strides], padding, mult, batch);
          got.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(v - (want[k]?.[i] ?? NaN)) < 1e-4, `${strides.join('×')} ${padding} ×${mult}: gradient ${k}[${i}] ${v} vs ${want[k]?.[i]}`)));
        }
      });
    }

    for (const type of LAYER_TYPES) {
      it(type, async () => {
        const s = exampleModel(type);
        const summary = inferSummary(s);
        const built = buildModel(s);
        const { model } = built;
        try {
          assert.deepEqual(model.layers.map((l) => l.name), layerNames(s.layers), 'names are the core\'s layerNames');
          assert.deepEqual(built.names, summary.layers.map((l) => l.name));
          model.layers.forEach((layer, i) => {
            const row = summary.layers[i];
            assert.ok(row);
            const size = (ws: readonly tf.LayerVariable[]): number => ws.reduce((n, w) => n + w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1)!, 0);
            assert.equal(size(layer.trainableWeights), row.trainableParams, `${row.name}: trainable parameters`);
            assert.equal(size(layer.nonTrainableWeights), row.nonTrainableParams, `${row.name}: non-trainable parameters`);
            assert.deepEqual((layer.outputShape as (number | null)[]).slice(1), [...row.outputShape], `${row.name}: output shape`);
          });
          compileModel(built, s);
          const x = tf.randomUniform([4, ...s.inputShape], 0, 1, 'float32', 1);
          const y = tf.oneHot(tf.tensor1d([0, 1, 8, 3], 'int32'), 9);
          await model.trainOnBatch(x, y);
          const before = tf.memory().numTensors;
          const [loss] = (await model.trainOnBatch(x, y)) as number[];
          assert.ok(Number.isFinite(loss), `loss ${loss}`);
          assert.equal(tf.memory().numTensors, before, 'a training step leaks no tensors');
          const loaded = await reload(model);
          const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
          assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()), 'the saved topology reloads to the same model');
          assert.equal(loaded.layers[s.layers.findIndex((l) => l.type === type)]?.getClassName(), model.layers[s.layers.findIndex((l) => l.type === type)]?.getClassName());
          tf.dispose([x, y, a, b]);
          loaded.dispose();
        } finally {
          model.dispose();
        }
      });
    }
  });
  }

  it('separableconv2d: both kernels glorot_uniform with their own fans, bias zeros, Keras names; its depth multiplier saved', async () => {
    const sep = (filters: number): LayerSpec => ({ type: 'separableconv2d', filters, kernel: [3, 3], strides: [1, 1], padding: 'same', depthMultiplier: 2, activation: 'relu', useBias: true });
    const s = spec([sep(6), sep(4), flatten, dense3]);
    const { model } = buildModel(s);
    assert.deepEqual(model.layers.map((l) => l.name).slice(0, 2), ['separable_conv2d', 'separable_conv2d_1']);
    const [dw, pw, bias] = model.layers[0]?.getWeights() ?? [];
    assert.deepEqual(dw?.shape, [3, 3, 2, 2]);
    assert.deepEqual(pw?.shape, [1, 1, 4, 6]);
    const inRange = (t: tf.Tensor | undefined, limit: number): boolean => {
      const v = Array.from(t?.dataSync() ?? []);
      return v.every((x) => Math.abs(x) <= limit) && v.some((x) => Math.abs(x) > limit / 2);
    };
    assert.ok(inRange(dw, Math.sqrt(6 / (9 * 2 + 9 * 2))), 'depthwise: fans 3·3·2 in, 3·3·2 out');
    assert.ok(inRange(pw, Math.sqrt(6 / (4 + 6))), 'pointwise: fans 4 in, 6 out');
    assert.ok(Array.from(bias?.dataSync() ?? []).every((v) => v === 0));
    assert.deepEqual(model.layers[0]?.getWeights().map((w) => w.size), [36, 24, 6]);
    // tfjs's own config omits it, and the model would reload with multiplier 1.
    const loaded = await reload(model);
    assert.deepEqual(loaded.layers[0]?.getWeights().map((w) => w.shape), model.layers[0]?.getWeights().map((w) => w.shape));
    loaded.dispose();
    model.dispose();
  });

  it('depthwiseconv2d: glorot_uniform depthwise kernel [kh, kw, in, multiplier], same seed same weights', () => {
    const s = spec([{ type: 'depthwiseconv2d', kernel: [3, 2], strides: [1, 1], padding: 'valid', depthMultiplier: 3, activation: 'linear', useBias: true }, flatten, dense3]);
    const a = buildModel(s);
    const b = buildModel(s);
    const [k] = a.model.layers[0]?.getWeights() ?? [];
    assert.deepEqual(k?.shape, [3, 2, 2, 3]);
    const limit = Math.sqrt(6 / (6 * 2 + 6 * 3));
    assert.ok(Array.from(k?.dataSync() ?? []).every((v) => Math.abs(v) <= limit));
    assert.deepEqual(Array.from(b.model.layers[0]?.getWeights()[0]?.dataSync() ?? []), Array.from(k?.dataSync() ?? []));
    a.model.dispose();
    b.model.dispose();
  });

  it('depthwise convolutions with unequal strides: the composed form (stride 1, then every sh-th row and sw-th column) equals the direct one, gradients too', () => {
    for (const padding of ['same', 'valid'] as const) {
      for (const strides of [[1, 2], [3, 2], [2, 1]] as [number, number][]) {
        const x = tf.randomUniform<tf.Rank.R4>([2, 8, 7, 3], -1, 1, 'float32', 3);
        const w = tf.randomUniform<tf.Rank.R4>([3, 2, 3, 2], -1, 1, 'float32', 4);
        const r = tf.randomUniform(depthwiseConv(x, w, strides, padding, false).shape, -1, 1, 'float32', 5);
        const f = (composed: boolean) => (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.sum(tf.mul(depthwiseConv(a as tf.Tensor4D, b as tf.Tensor4D, strides, padding, composed), r));
        const direct = depthwiseConv(x, w, strides, padding, false);
        const composed = depthwiseConv(x, w, strides, padding, true);
        assert.deepEqual(composed.shape, direct.shape);
        const close = (p: tf.Tensor, q: tf.Tensor, what: string): void => {
          const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0] ?? 1);
          assert.ok(d < 1e-5, `${padding} ${strides.join('×')}: ${what} differs by ${d}`);
        };
        close(composed, direct, 'output');
        const [gx1, gw1] = tf.grads(f(false))([x, w]);
        const [gx2, gw2] = tf.grads(f(true))([x, w]);
        close(gx2 as tf.Tensor, gx1 as tf.Tensor, 'input gradient');
        close(gw2 as tf.Tensor, gw1 as tf.Tensor, 'kernel gradient');
        tf.dispose([x, w, r, direct, composed, gx1, gw1, gx2, gw2] as tf.Tensor[]);
      }
    }
  });

  it('spatialdropout2d: drops whole channels per sample, scales the kept ones, reproducible per (seed, epoch), identity at inference', () => {
    const d = new SpatialDropout2D({ rate: 0.5, name: 'spatial_dropout2d', seed: 1 });
    const x = tf.ones([3, 4, 5, 6]);
    const out = (): number[][][][] => (d.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][][][];
    const m1 = out();
    for (const sample of m1) {
      for (let c = 0; c < 6; c++) {
        const values = new Set(sample.flatMap((row) => row.map((px) => px[c])));
        assert.equal(values.size, 1, 'one value per channel');
        assert.ok([0, 2].includes([...values][0] as number));
      }
    }
    const flat = m1.flat(3);
    assert.ok(flat.includes(0) && flat.includes(2));
    assert.notDeepEqual(out(), m1, 'a fresh mask per step');
    d.reseed(1, 0);
    assert.deepEqual(out(), m1);
    assert.deepEqual((d.apply(x) as tf.Tensor).arraySync(), x.arraySync());
    assert.equal(d.getClassName(), 'SpatialDropout2D');
  });

  it('elu, leakyrelu, gelu, swish compute Keras\'s functions (gelu the exact erf form)', () => {
    const xs = [-3, -1, -0.5, 0, 0.5, 1, 2];
    const run = (l: LayerSpec): number[] => {
      const { model } = buildModel(spec([l, flatten, dense3], [1, 1, xs.length]));
      const y = Array.from((model.layers[0]?.apply(tf.tensor4d(xs, [1, 1, 1, xs.length])) as tf.Tensor).dataSync());
      model.dispose();
      return y;
    };
    const near = (got: number[], want: number[], what: string): void => got.forEach((g, i) => assert.ok(Math.abs(g - (want[i] ?? NaN)) < 1e-5, `${what}(${xs[i]}) = ${g}, want ${want[i]}`));
    near(run({ type: 'elu', alpha: 0.5 }), xs.map((x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1))), 'elu α=0.5');
    near(run({ type: 'elu', alpha: 1 }), xs.map((x) => (x > 0 ? x : Math.exp(x) - 1)), 'elu');
    near(run({ type: 'leakyrelu', negativeSlope: 0.2 }), xs.map((x) => (x > 0 ? x : 0.2 * x)), 'leakyrelu');
    near(run({ type: 'swish' }), xs.map((x) => x / (1 + Math.exp(-x))), 'swish');
    // x·Φ(x) with Φ the normal CDF (values from Python's math.erf); the tanh approximation is off by up to 2e-4 here.
    const exact = [-0.0040496532, -0.1586552539, -0.1542687694, 0, 0.3457312306, 0.8413447461, 1.9544997361];
    near(run({ type: 'gelu' }), exact, 'gelu');
  });

  it('saves elu of any alpha and spatialdropout2d under Keras\'s class names, and reloads them', async () => {
    const s = spec([{ type: 'spatialdropout2d', rate: 0.3 }, { type: 'conv2d', filters: 2, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'linear', useBias: true }, { type: 'elu', alpha: 0.25 }, flatten, dense3]);
    const built = buildModel(s);
    const { model } = built;
    const topology = JSON.stringify(model.toJSON(null, false));
    assert.match(topology, /"class_name":"SpatialDropout2D"/);
    assert.match(topology, /"class_name":"ELU","config":\{"alpha":0.25/);
    const loaded = await reload(model);
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), ['SpatialDropout2D', 'Conv2D', 'ELU', 'Flatten', 'Dense']);
    const x = tf.randomUniform([2, 9, 9, 2], -1, 1, 'float32', 2);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    // and trains: ELU's alpha ≠ 1 has gradients all the way through
    compileModel(built, s);
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const [loss] = (await model.trainOnBatch(x, y)) as number[];
    assert.ok(Number.isFinite(loss));
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
