/**
 * Child process of nativeStep.test.ts (libtensorflow is loaded once per process, with its oneDNN
 * choice): trains small models for a few steps twice from the same seed, once with tfjs's
 * `trainOnBatch` (automatic differentiation, tfjs optimizers) and once with the native step, and
 * prints one JSON line with the largest weight differences and other facts the test asserts.
 *   node --import tsx nativeStepCheck.ts on|off
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN, type OptimizerName } from '../../../src/shared/modelSpec';
import { loadTensorflowBackend, tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';
import { buildModel, compileModel } from '../../../src/trainer/model';
import { NativeStep } from '../../../src/trainer/nativeStep';

export interface CheckCase {
  readonly name: string;
  readonly optimizer: OptimizerName;
  /** Largest |w_native − w_tfjs| over all weights after the steps, divided by the largest |w|. */
  readonly relDiff: number;
  readonly lossTfjs: number;
  readonly lossNative: number;
  readonly accTfjs: number;
  readonly accNative: number;
}

export interface CheckReport {
  readonly available: boolean;
  readonly reason?: string;
  readonly mkl?: boolean;
  readonly cases?: readonly CheckCase[];
  /** Same seed twice with dropout: bit-identical weights. */
  readonly dropoutDeterministic?: boolean;
  /** Two consecutive steps drew different dropout masks (the losses of the same batch differ). */
  readonly dropoutFreshMasks?: boolean;
  /** Tensor count after 3 and after 8 steps. */
  readonly tensors?: readonly [number, number];
  /** Names of the checkpointed optimizer state (native) and of tfjs's own, for the same model. */
  readonly stateNames?: readonly [readonly string[], readonly string[]];
  /** Largest difference between the native and tfjs Adam moments after the same steps (SGD-free check of the hand-over). */
  readonly stateRelDiff?: number;
  /** A model the native step does not handle gets null. */
  readonly unsupportedIsNull?: boolean;
}

const conv = (filters: number, k: number, s: number, padding: 'valid' | 'same', activation: 'relu' | 'linear'): LayerSpec =>
  ({ type: 'conv2d', filters, kernel: [k, k], strides: [s, s], padding, activation, useBias: true });
const pool = (p: number, s: number, padding: 'valid' | 'same'): LayerSpec => ({ type: 'maxpool2d', pool: [p, p], strides: [s, s], padding });
const dense = (units: number, activation: 'relu' | 'linear' | 'softmax', useBias = true): LayerSpec => ({ type: 'dense', units, activation, useBias });

function spec(layers: LayerSpec[], optimizer: OptimizerName, inputShape: [number, number, number] = [12, 12, 3]): TypedModelSpec {
  return {
    name: 'native-check', dataset: { kind: 'builtin', name: 'shapes' }, grayscale: false, inputShape, numClasses: 5, layers,
    train: { ...DEFAULT_TRAIN, optimizer, learningRate: 0.01, batchSize: 8, seed: 3 },
  };
}

/** The models compared; the test expects each with every optimizer (4 × 5 cases). */
const MODELS: Readonly<Record<string, LayerSpec[]>> = {
  // valid and same padding, a strided conv, a linear conv, overlapping and same-padded pooling, dense relu, softmax
  'conv-pool-dense': [conv(4, 3, 1, 'valid', 'relu'), pool(2, 2, 'valid'), conv(6, 2, 1, 'same', 'linear'), pool(3, 2, 'same'), { type: 'flatten' }, dense(7, 'relu'), dense(5, 'softmax')],
  // a strided conv, its ReLU folded behind an overlapping same-padded pooling, logits out
  'strided-logits': [conv(5, 3, 2, 'same', 'relu'), pool(3, 2, 'same'), { type: 'flatten' }, dense(5, 'linear', false)],
  // unequal zero padding, leaky ReLU, ELU with alpha ≠ 1
  'padding-leaky-elu': [{ type: 'zeropadding2d', padding: [1, 2] }, conv(4, 3, 1, 'valid', 'linear'), { type: 'leakyrelu', negativeSlope: 0.2 },
    conv(6, 2, 1, 'same', 'linear'), { type: 'elu', alpha: 0.5 }, pool(2, 2, 'valid'), { type: 'flatten' }, dense(5, 'softmax')],
  // ELU with alpha 1, a leaky ReLU steeper than 1, a ReLU folded behind global max pooling, logits out
  'elu-globalmax': [conv(4, 3, 1, 'same', 'linear'), { type: 'elu', alpha: 1 }, { type: 'leakyrelu', negativeSlope: 2 },
    conv(5, 3, 1, 'valid', 'relu'), { type: 'globalmaxpool2d' }, dense(5, 'linear')],
  // whole channels dropped (masks drawn in JavaScript by both sides, from the same streams)
  'spatial-dropout': [conv(4, 3, 1, 'valid', 'relu'), { type: 'spatialdropout2d', rate: 0.5 }, pool(2, 2, 'valid'), { type: 'flatten' }, dense(5, 'softmax')],
};

function batch(s: TypedModelSpec, seed: number): { x: tf.Tensor4D; labels: tf.Tensor1D; y: tf.Tensor2D } {
  const [h, w, c] = s.inputShape;
  const x = tf.randomUniform<tf.Rank.R4>([s.train.batchSize, h, w, c], 0, 1, 'float32', seed);
  const labelValues = Int32Array.from({ length: s.train.batchSize }, (_, i) => (i * 7 + seed) % 5);
  const labels = tf.tensor1d(labelValues, 'int32');
  return { x, labels, y: tf.oneHot(labels, 5) as tf.Tensor2D };
}

function maxAbs(ts: readonly tf.Tensor[]): number {
  return Math.max(...ts.map((t) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0] ?? 0)));
}

async function compare(name: string, layers: LayerSpec[], optimizer: OptimizerName, steps: number): Promise<CheckCase> {
  const s = spec(layers, optimizer);
  const a = buildModel(s);
  const optA = compileModel(a, s);
  const b = buildModel(s);
  const optB = compileModel(b, s);
  // Dropout masks drawn in JavaScript, so tfjs's layers and the native step use the same ones.
  const native = await NativeStep.create(b, s, optB, { dropoutMasks: 'javascript' });
  if (!native) throw new Error(`no native step for ${name}`);
  void optA;
  let last: { tfjs: number[]; native: { loss: number; acc: number } } | null = null;
  for (let i = 0; i < steps; i++) {
    const { x, labels, y } = batch(s, i + 1);
    const r = (await a.model.trainOnBatch(x, y)) as number[];
    last = { tfjs: r, native: native.step(x, labels) };
    tf.dispose([x, labels, y]);
  }
  const wa = a.model.getWeights();
  const wb = b.model.getWeights();
  const diffs = wa.map((t, i) => tf.tidy(() => tf.sub(t, wb[i] as tf.Tensor)));
  const relDiff = maxAbs(diffs) / Math.max(1e-12, maxAbs(wa));
  tf.dispose(diffs);
  native.dispose();
  a.model.dispose();
  b.model.dispose();
  return {
    name, optimizer, relDiff,
    lossTfjs: last?.tfjs[0] ?? NaN, accTfjs: last?.tfjs[1] ?? NaN, lossNative: last?.native.loss ?? NaN, accNative: last?.native.acc ?? NaN,
  };
}

async function dropoutRuns(): Promise<{ deterministic: boolean; fresh: boolean }> {
  const layers = [conv(4, 3, 1, 'valid', 'relu'), pool(2, 2, 'valid'), { type: 'flatten' } as LayerSpec, { type: 'dropout', rate: 0.5 } as LayerSpec, dense(5, 'softmax')];
  const run = async (learningRate: number): Promise<{ weights: Float32Array; losses: number[] }> => {
    const base = spec(layers, 'sgd');
    const s: TypedModelSpec = { ...base, train: { ...base.train, learningRate } };
    const m = buildModel(s);
    const opt = compileModel(m, s);
    const step = await NativeStep.create(m, s, opt);
    if (!step) throw new Error('no native step for the dropout model');
    for (const d of m.dropouts) d.reseed(s.train.seed, 1);
    const { x, labels, y } = batch(s, 1);
    // With a zero learning rate only the dropout mask changes the loss of the same batch between steps.
    const losses = [step.step(x, labels).loss, step.step(x, labels).loss];
    tf.dispose([x, labels, y]);
    const flat = tf.tidy(() => tf.concat(m.model.getWeights().map((w) => w.flatten())));
    const weights = flat.dataSync() as Float32Array;
    flat.dispose();
    step.dispose();
    m.model.dispose();
    return { weights, losses };
  };
  const r1 = await run(0.05);
  const r2 = await run(0.05);
  const still = await run(0);
  return {
    deterministic: r1.weights.length === r2.weights.length && r1.weights.every((v, i) => v === r2.weights[i]) && r1.losses.every((l, i) => l === r2.losses[i]),
    fresh: still.losses[0] !== still.losses[1],
  };
}

async function main(): Promise<void> {
  const onednn = process.argv[2] !== 'off';
  const probe = tensorflowAvailable();
  if (!probe.available) {
    console.log(JSON.stringify({ available: false, reason: probe.reason } satisfies CheckReport));
    return;
  }
  await loadTensorflowBackend({ disableOnednn: !onednn });
  await tf.setBackend('tensorflow');

  const cases: CheckCase[] = [];
  for (const [name, layers] of Object.entries(MODELS)) {
    for (const opt of ['sgd', 'rmsprop', 'adagrad', 'adam'] as const) cases.push(await compare(name, layers, opt, 3));
  }
  const drop = await dropoutRuns();

  // Tensor count, optimizer-state hand-over and names.
  const s = spec(MODELS['conv-pool-dense'] ?? [], 'adam');
  const a = buildModel(s);
  const optA = compileModel(a, s);
  const b = buildModel(s);
  const native = await NativeStep.create(b, s, compileModel(b, s));
  if (!native) throw new Error('no native step');
  const counts: number[] = [];
  for (let i = 0; i < 8; i++) {
    const { x, labels, y } = batch(s, i + 1);
    await a.model.trainOnBatch(x, y);
    native.step(x, labels);
    tf.dispose([x, labels, y]);
    if (i === 2 || i === 7) counts.push(tf.memory().numTensors);
  }
  const nativeState = native.optimizerState() ?? [];
  const tfjsState = await optA.getWeights();
  const stateDiffs = nativeState.slice(1).map((w, i) => tf.tidy(() => tf.sub(w.tensor, (tfjsState[i + 1] as { tensor: tf.Tensor }).tensor)));
  const stateRelDiff = maxAbs(stateDiffs) / Math.max(1e-12, maxAbs(tfjsState.slice(1).map((w) => w.tensor)));
  tf.dispose(stateDiffs);
  const withBatchNorm = spec([conv(2, 3, 1, 'valid', 'relu'), { type: 'batchnorm', momentum: 0.99, epsilon: 1e-3 }, { type: 'flatten' }, dense(5, 'softmax')], 'sgd');
  const report: CheckReport = {
    available: true, mkl: native.mkl, cases,
    dropoutDeterministic: drop.deterministic, dropoutFreshMasks: drop.fresh,
    tensors: [counts[0] ?? -1, counts[1] ?? -1],
    stateNames: [nativeState.map((w) => w.name), tfjsState.map((w) => w.name)],
    stateRelDiff,
    unsupportedIsNull: (await NativeStep.create(buildModel(withBatchNorm), withBatchNorm, tf.train.sgd(0.1))) === null,
  };
  tf.dispose(nativeState.map((w) => w.tensor));
  console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
