/**
 * Child process of nativeStep.test.ts (libtensorflow is loaded once per process, with its oneDNN
 * choice): trains small models for a few steps twice from the same seed, once with tfjs's
 * `trainOnBatch` (automatic differentiation, tfjs optimizers) and once with the native step, and
 * prints one JSON line with the largest weight differences and other facts the test asserts.
 *   node --import tsx nativeStepCheck.ts on|off
 */
import * as tf from '@tensorflow/tfjs';
import { LAYER_TYPES, type LayerSpec, type TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN, OPTIMIZERS, type Activation, type OptimizerName } from '../../../src/shared/modelSpec';
import { loadTensorflowBackend, tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';
import { buildModel, compileModel } from '../../../src/trainer/model';
import { trainerLayerOf } from '../../../src/trainer/layers/index';
import { NativeStep, nativeStepUnsupported } from '../../../src/trainer/nativeStep';

export interface CheckCase {
  readonly name: string;
  readonly optimizer: OptimizerName;
  /** Largest |w_native − w_tfjs| over all weights after the steps, divided by the largest |w|. */
  readonly relDiff: number;
  /**
   * The same over the weights tfjs does not train (batch norm's moving mean and variance), each
   * against its own largest value; null for a model without any.
   */
  readonly movingRelDiff: number | null;
  readonly lossTfjs: number;
  readonly lossNative: number;
  readonly accTfjs: number;
  readonly accNative: number;
  /** Tensor count after the second and the third step (both sides trained): equal when nothing leaks. */
  readonly tensors: readonly [number, number];
}

export interface CheckReport {
  readonly available: boolean;
  readonly reason?: string;
  readonly mkl?: boolean;
  /** The fused conv kernels the step uses (`NativeStep.fused`). */
  readonly fused?: string | null;
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
  /** Layer types of the language without a pass on the direct step (their reasons). */
  readonly withoutPass?: readonly string[];
  /** `nativeStepUnsupported` of every model above (null: the direct step runs it). */
  readonly unsupported?: readonly ({ readonly layerIndex: number; readonly reason: string } | null)[];
}

const conv = (filters: number, k: number, s: number | [number, number], padding: 'valid' | 'same', activation: Activation, useBias = true): LayerSpec =>
  ({ type: 'conv2d', filters, kernel: [k, k], strides: typeof s === 'number' ? [s, s] : s, padding, activation, useBias });
const pool = (p: number, s: number, padding: 'valid' | 'same'): LayerSpec => ({ type: 'maxpool2d', pool: [p, p], strides: [s, s], padding });
const avgPool = (p: number, s: number, padding: 'valid' | 'same'): LayerSpec => ({ type: 'avgpool2d', pool: [p, p], strides: [s, s], padding });
const dense = (units: number, activation: Activation, useBias = true): LayerSpec => ({ type: 'dense', units, activation, useBias });
const globalAvgPool = (): LayerSpec => ({ type: 'globalavgpool2d' });
const act = (activation: Activation): LayerSpec => ({ type: 'activation', activation });
const batchNorm = (momentum = 0.99, epsilon = 1e-3): LayerSpec => ({ type: 'batchnorm', momentum, epsilon });
const depthwise = (k: number, strides: [number, number], padding: 'valid' | 'same', depthMultiplier: number, activation: Activation, useBias = true): LayerSpec =>
  ({ type: 'depthwiseconv2d', kernel: [k, k], strides, padding, depthMultiplier, activation, useBias });
const separable = (filters: number, k: number, strides: [number, number], padding: 'valid' | 'same', depthMultiplier: number, activation: Activation, useBias = true): LayerSpec =>
  ({ type: 'separableconv2d', filters, kernel: [k, k], strides, padding, depthMultiplier, activation, useBias });

function spec(layers: LayerSpec[], optimizer: OptimizerName, inputShape: [number, number, number] = [12, 12, 3]): TypedModelSpec {
  return {
    name: 'native-check', dataset: { kind: 'builtin', name: 'shapes' }, grayscale: false, inputShape, numClasses: 5, layers,
    train: { ...DEFAULT_TRAIN, optimizer, learningRate: 0.01, batchSize: 8, seed: 3 },
  };
}

/** The models compared; the test expects each with every optimizer. */
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
  // the batch-norm model in small: conv without bias, batch norm (moving statistics
  // compared too: they are weights of the model), a ReLU layer, average pooling, a strided conv,
  // global average pooling
  'batchnorm-gap': [conv(4, 3, 1, 'same', 'linear', false), batchNorm(), act('relu'), avgPool(2, 2, 'valid'),
    conv(6, 3, 2, 'same', 'relu'), batchNorm(0.9, 1e-2), globalAvgPool(), dense(5, 'softmax')],
  // every activation on conv and dense layers
  'activations-conv-dense': [conv(4, 3, 1, 'valid', 'tanh'), conv(4, 2, [2, 1], 'same', 'sigmoid'), conv(5, 2, 1, 'valid', 'selu'),
    conv(4, 2, 1, 'same', 'relu6'), conv(4, 2, 1, 'same', 'hardSigmoid', false), conv(4, 2, 1, 'valid', 'elu'), { type: 'flatten' },
    dense(9, 'softplus'), dense(8, 'softsign'), dense(7, 'gelu'), dense(6, 'swish'), dense(6, 'softmax'), dense(5, 'softmax')],
  // activation layers (and gelu, swish), a softmax over the channels of a map, same-padded
  // average pooling, a ReLU layer folded behind max pooling; a model that outputs logits
  'activation-layers': [conv(4, 3, 1, 'same', 'linear'), act('elu'), { type: 'gelu' }, { type: 'swish' }, act('softplus'),
    avgPool(3, 2, 'same'), conv(5, 2, 1, 'valid', 'linear'), act('softmax'), act('relu'), pool(2, 2, 'valid'), { type: 'flatten' }, dense(5, 'linear')],
  // depthwise and separable convolutions: multipliers, unequal strides, both paddings, without bias, fused pointwise ReLU
  'depthwise-separable': [depthwise(3, [1, 1], 'same', 2, 'relu'), separable(6, 3, [1, 2], 'valid', 1, 'relu'), pool(2, 2, 'valid'),
    depthwise(2, [2, 1], 'same', 1, 'linear', false), separable(5, 2, [2, 2], 'same', 2, 'tanh', false), { type: 'flatten' }, dense(5, 'softmax')],
  // batch norm on a vector, an activation layer as the softmax output (logits from the dense before it)
  'batchnorm-dense': [{ type: 'flatten' }, dense(16, 'linear', false), batchNorm(0.8), act('relu'), dense(5, 'linear'), act('softmax')],
  // ReLU layers after linear conv, separable and dense layers (each absorbs it: the conv's fused
  // kernel, and then behind max pooling), and after batch norm before a max pooling
  'relu-layers': [conv(4, 3, 1, 'same', 'linear'), act('relu'), pool(2, 2, 'valid'), separable(5, 3, [1, 1], 'same', 1, 'linear'), act('relu'),
    batchNorm(), act('relu'), pool(2, 2, 'same'), { type: 'flatten' }, dense(6, 'linear'), act('relu'), dense(5, 'softmax')],
  // dropout after the softmax output: the loss on the probabilities, as tfjs computes it
  'softmax-then-dropout': [conv(4, 3, 1, 'valid', 'relu'), pool(2, 2, 'valid'), { type: 'flatten' }, dense(5, 'softmax'), { type: 'dropout', rate: 0.3 }],
};

function batch(s: TypedModelSpec, seed: number, size = s.train.batchSize): { x: tf.Tensor4D; labels: tf.Tensor1D; y: tf.Tensor2D } {
  const [h, w, c] = s.inputShape;
  const x = tf.randomUniform<tf.Rank.R4>([size, h, w, c], 0, 1, 'float32', seed);
  const labelValues = Int32Array.from({ length: size }, (_, i) => (i * 7 + seed) % 5);
  const labels = tf.tensor1d(labelValues, 'int32');
  return { x, labels, y: tf.oneHot(labels, 5) as tf.Tensor2D };
}

function maxAbs(ts: readonly tf.Tensor[]): number {
  return Math.max(...ts.map((t) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0] ?? 0)));
}

/** Batch sizes of the compared steps: full batches, then an epoch's last batch of one sample. */
const STEP_BATCHES = [8, 8, 8, 1] as const;

/** Largest |a − b| over `a`'s weights at `indices`, each relative to its own largest |a|. */
function relDiffAt(a: readonly tf.Tensor[], b: readonly tf.Tensor[], indices: readonly number[]): number {
  return Math.max(0, ...indices.map((i) => tf.tidy(() => {
    const d = tf.max(tf.abs(tf.sub(a[i] as tf.Tensor, b[i] as tf.Tensor))).dataSync()[0] ?? NaN;
    return d / Math.max(1e-12, tf.max(tf.abs(a[i] as tf.Tensor)).dataSync()[0] ?? 0);
  })));
}

async function compare(name: string, layers: LayerSpec[], optimizer: OptimizerName): Promise<CheckCase> {
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
  const counts: number[] = [];
  for (const [i, size] of STEP_BATCHES.entries()) {
    const { x, labels, y } = batch(s, i + 1, size);
    const r = (await a.model.trainOnBatch(x, y)) as number[];
    last = { tfjs: r, native: native.step(x, labels) };
    tf.dispose([x, labels, y]);
    if (i === 1 || i === 2) counts.push(tf.memory().numTensors);
  }
  const wa = a.model.getWeights();
  const wb = b.model.getWeights();
  const diffs = wa.map((t, i) => tf.tidy(() => tf.sub(t, wb[i] as tf.Tensor)));
  const relDiff = maxAbs(diffs) / Math.max(1e-12, maxAbs(wa));
  tf.dispose(diffs);
  // getWeights() lists each layer's trainable weights, then its others: find the others by name.
  const moving = a.model.weights.map((w, i) => (w.trainable ? -1 : i)).filter((i) => i >= 0);
  const movingRelDiff = moving.length > 0 ? relDiffAt(wa, wb, moving) : null;
  native.dispose();
  a.model.dispose();
  b.model.dispose();
  return {
    name, optimizer, relDiff, movingRelDiff, tensors: [counts[0] ?? -1, counts[1] ?? -2],
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
    for (const opt of OPTIMIZERS) cases.push(await compare(name, layers, opt));
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
  const report: CheckReport = {
    available: true, mkl: native.mkl, fused: native.fused, cases,
    dropoutDeterministic: drop.deterministic, dropoutFreshMasks: drop.fresh,
    tensors: [counts[0] ?? -1, counts[1] ?? -1],
    stateNames: [nativeState.map((w) => w.name), tfjsState.map((w) => w.name)],
    stateRelDiff,
    withoutPass: LAYER_TYPES.flatMap((type) => {
      const native = trainerLayerOf({ type } as LayerSpec).native;
      return typeof native === 'string' ? [`${type}: ${native}`] : [];
    }),
    unsupported: Object.values(MODELS).map((layers) => nativeStepUnsupported(layers)),
  };
  tf.dispose(nativeState.map((w) => w.tensor));
  console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
