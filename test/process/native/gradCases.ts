/**
 * The operations the gradient self-check compares between the native `tensorflow` backend and
 * the `cpu` backend: every kernel a CNN Lab model trains through. Each case carries the smallest
 * model that would contain it, so the check runs it with oneDNN exactly as the trainer would
 * (`needsOnednnOff`).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, TypedModelSpec } from '../../../src/core';
import { depthwiseConv } from '../../../src/trainer/layers/depthwise';
import { ACTIVATIONS, DEFAULT_TRAIN, type Activation, type Padding } from '../../../src/shared/modelSpec';

export interface GradCase {
  readonly name: string;
  /** Shapes of the inputs; gradients are taken with respect to all of them. */
  readonly inputs: readonly number[][];
  readonly fn: (xs: tf.Tensor[]) => tf.Tensor;
  readonly model: TypedModelSpec;
  /**
   * Reference for the gradients: the `cpu` backend, or central differences of the forward pass
   * where stock tfjs-backend-cpu's gradient is wrong (the reason says how) and CNN Lab replaces it.
   */
  readonly reference?: { readonly kind: 'numeric'; readonly reason: string };
}

function model(inputShape: [number, number, number], layers: LayerSpec[]): TypedModelSpec {
  return {
    name: 'gradcheck',
    dataset: { kind: 'builtin', name: inputShape[2] === 1 ? 'mnist' : 'shapes' },
    grayscale: false,
    inputShape,
    numClasses: 10,
    layers: [...layers, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax', useBias: true }],
    train: DEFAULT_TRAIN,
  };
}

function conv(filters: number, k: number, s: number, padding: Padding): LayerSpec {
  return { type: 'conv2d', filters, kernel: [k, k], strides: [s, s], padding, activation: 'linear', useBias: true };
}

const at = (xs: tf.Tensor[], i: number): tf.Tensor => {
  const t = xs[i];
  if (t === undefined) throw new Error(`missing input ${i}`);
  return t;
};

const cases: GradCase[] = [];

// conv2d over the channel counts the course uses (grayscale 1→n, RGB 3→n, deeper n→2n) and the
// degenerate 1→1 layer, both strides and both paddings, with a 3×3 kernel on a 9×9 batch of 4.
for (const [cin, cout] of [[1, 1], [1, 4], [3, 8], [8, 16]] as const) {
  for (const s of [1, 2]) {
    for (const p of ['same', 'valid'] as const) {
      cases.push({
        name: `conv2d ${cin}→${cout} k3 s${s} ${p}`,
        inputs: [[4, 9, 9, cin], [3, 3, cin, cout]],
        fn: (xs) => tf.conv2d(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, s, p),
        model: model([9, 9, cin], [conv(cout, 3, s, p)]),
      });
    }
  }
}
// 1×1 kernels with a stride (pixels skipped), batch of 1 as in an epoch's last batch: the shape
// whose oneDNN backprop-filter kernel corrupts memory in libtensorflow 2.21.
for (const [cin, cout, n, h] of [[3, 8, 1, 12], [8, 16, 4, 18]] as const) {
  cases.push({
    name: `conv2d ${cin}→${cout} k1 s2 valid batch ${n} ${h}×${h}`,
    inputs: [[n, h, h, cin], [1, 1, cin, cout]],
    fn: (xs) => tf.conv2d(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, 2, 'valid'),
    model: model([h, h, cin], [conv(cout, 1, 2, 'valid')]),
  });
}

const rgbModel = model([9, 9, 3], [conv(8, 3, 1, 'same')]);
cases.push(
  { name: 'maxpool 2×2 s2 valid', inputs: [[4, 9, 9, 3]], fn: (xs) => tf.maxPool(at(xs, 0) as tf.Tensor4D, 2, 2, 'valid'), model: rgbModel },
  { name: 'maxpool 3×3 s2 same', inputs: [[4, 9, 9, 3]], fn: (xs) => tf.maxPool(at(xs, 0) as tf.Tensor4D, 3, 2, 'same'), model: rgbModel },
  { name: 'avgpool 2×2 s2 valid', inputs: [[4, 9, 9, 3]], fn: (xs) => tf.avgPool(at(xs, 0) as tf.Tensor4D, 2, 2, 'valid'), model: rgbModel },
  {
    name: 'avgpool 3×3 s2 same',
    inputs: [[2, 5, 5, 3]],
    fn: (xs) => tf.avgPool(at(xs, 0) as tf.Tensor4D, 3, 2, 'same'),
    model: rgbModel,
    // Both backends average only the real pixels of a border window going forward, but
    // tfjs-backend-cpu 4.22's stock AvgPoolGrad spreads the gradient over the full 3×3 window;
    // the trainer replaces it (src/trainer/backends/cpuKernels.ts). Central differences stay the
    // reference here, so the check of that replacement does not lean on cpu itself.
    reference: { kind: 'numeric', reason: 'stock tfjs-backend-cpu AvgPoolGrad divides border windows by the full window size' },
  },
  {
    name: 'dense 20→10 relu',
    inputs: [[8, 20], [20, 10], [10]],
    fn: (xs) => tf.relu(tf.add(tf.matMul(at(xs, 0) as tf.Tensor2D, at(xs, 1) as tf.Tensor2D), at(xs, 2))),
    model: rgbModel,
  },
  {
    name: 'dense 20→10 softmax cross-entropy',
    inputs: [[8, 20], [20, 10]],
    fn: (xs) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10),
      tf.matMul(at(xs, 0) as tf.Tensor2D, at(xs, 1) as tf.Tensor2D)),
    model: rgbModel,
  },
  {
    // Training-mode batch norm as tfjs-layers computes it: batch moments, then normalise.
    name: 'batchnorm (training, batch moments)',
    inputs: [[4, 5, 5, 3], [3], [3]],
    fn: (xs) => {
      const x = at(xs, 0);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, at(xs, 1), at(xs, 2), 1e-3);
    },
    model: rgbModel,
  },
  {
    // A whole small network, so gradients also flow through conv input gradients into earlier layers.
    name: 'network conv3→8 relu maxpool conv8→16 relu flatten dense',
    inputs: [[4, 12, 12, 3], [3, 3, 3, 8], [3, 3, 8, 16], [64, 10]],
    fn: (xs) => {
      const a = tf.maxPool(tf.relu(tf.conv2d(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      const b = tf.relu(tf.conv2d(a, at(xs, 2) as tf.Tensor4D, 2, 'valid'));
      return tf.matMul(tf.reshape(b, [4, 64]), at(xs, 3));
    },
    model: model([12, 12, 3], [conv(8, 3, 1, 'same'), { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' }, conv(16, 3, 2, 'valid')]),
  },
);

// The layer types trained through tfjs's kernels (trainOnBatch): depthwise and separable
// convolutions, including the hazard shapes of their modules (run with oneDNN off only) and
// unequal strides (which libtensorflow without oneDNN takes only through `depthwiseConv`'s
// composed form), and the element-wise activations, global max pooling, zero padding and a
// channel-wise dropout mask.
function depthwise(k: number, strides: [number, number], padding: Padding, depthMultiplier: number): LayerSpec {
  return { type: 'depthwiseconv2d', kernel: [k, k], strides, padding, depthMultiplier, activation: 'linear', useBias: true };
}
for (const [cin, m, k, strides, padding, n, h] of [
  [3, 1, 3, [1, 1], 'same', 4, 9], [3, 2, 3, [2, 2], 'valid', 4, 9], [8, 1, 3, [1, 2], 'same', 4, 9], [3, 3, 2, [3, 1], 'valid', 2, 9],
  [1, 1, 3, [1, 1], 'same', 4, 9], [3, 1, 1, [2, 2], 'valid', 1, 12],
] as const) {
  cases.push({
    name: `depthwise ${cin}×${m} k${k} s${strides.join('×')} ${padding} batch ${n}`,
    inputs: [[n, h, h, cin], [k, k, cin, m]],
    fn: (xs) => depthwiseConv(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, strides, padding),
    model: model([h, h, cin], [depthwise(k, [...strides], padding, m)]),
  });
}
cases.push(
  {
    name: 'separable 3×2 k3 s1 same → 8',
    inputs: [[4, 9, 9, 3], [3, 3, 3, 2], [1, 1, 6, 8]],
    fn: (xs) => tf.separableConv2d(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, at(xs, 2) as tf.Tensor4D, 1, 'same'),
    model: model([9, 9, 3], [{ type: 'separableconv2d', filters: 8, kernel: [3, 3], strides: [1, 1], padding: 'same', depthMultiplier: 2, activation: 'relu', useBias: true }]),
  },
  {
    name: 'separable 1×1 k3 s1 valid → 1',
    inputs: [[4, 9, 9, 1], [3, 3, 1, 1], [1, 1, 1, 1]],
    fn: (xs) => tf.separableConv2d(at(xs, 0) as tf.Tensor4D, at(xs, 1) as tf.Tensor4D, at(xs, 2) as tf.Tensor4D, 1, 'valid'),
    model: model([9, 9, 1], [{ type: 'separableconv2d', filters: 1, kernel: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, activation: 'linear', useBias: true }]),
  },
  { name: 'leaky relu 0.2', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.leakyRelu(at(xs, 0), 0.2), model: rgbModel },
  { name: 'leaky relu 2', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.leakyRelu(at(xs, 0), 2), model: rgbModel },
  { name: 'elu', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.elu(at(xs, 0)), model: rgbModel },
  {
    // The exact GELU as tfjs's `gelu` activation computes it: 0.5·x·(1 + erf(x/√2)).
    name: 'gelu (erf)', inputs: [[4, 5, 5, 3]], model: rgbModel,
    fn: (xs) => tf.mul(tf.mul(0.5, at(xs, 0)), tf.add(1, tf.erf(tf.div(at(xs, 0), Math.SQRT2)))),
  },
  { name: 'swish', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.mul(at(xs, 0), tf.sigmoid(at(xs, 0))), model: rgbModel },
  { name: 'global max pooling', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.max(at(xs, 0), [1, 2]), model: rgbModel },
  { name: 'zero padding [1, 2]', inputs: [[4, 5, 5, 3]], fn: (xs) => tf.pad(at(xs, 0), [[0, 0], [1, 1], [2, 2], [0, 0]]), model: rgbModel },
  {
    name: 'spatial dropout mask [B, 1, 1, C]', inputs: [[4, 5, 5, 3]], model: rgbModel,
    fn: (xs) => tf.mul(at(xs, 0), tf.tensor4d([2, 0, 2, 0, 2, 2, 2, 0, 0, 2, 2, 2], [4, 1, 1, 3])),
  },
);

export const gradCases: readonly GradCase[] = cases;

/**
 * The direct training step's passes (src/trainer/layers/<type>.ts `native`), one layer each,
 * checked against tfjs's automatic differentiation of the same built layer (training mode) on the
 * tensorflow backend by passcheck.child.ts: output, input gradient, each weight's gradient, and
 * batch norm's moving statistics after the step. Every layer type but the two dropouts (random
 * masks; their passes are checked through whole models in test/process/trainer/nativeStep.test.ts),
 * every activation on conv2d and dense, both paddings, strides, no bias, the fused kernels (a conv
 * or separable with ReLU), unequal depthwise strides, a batch of one.
 */
export interface PassCase {
  readonly name: string;
  readonly layer: LayerSpec;
  /** The input's shape, batch first. */
  readonly input: readonly number[];
  /**
   * An `activation: relu` layer follows, which the pass absorbs (`absorbRelu`: batch norm's fused
   * kernel, a linear conv's or dense layer's own ReLU); the reference is relu(layer(x)).
   */
  readonly thenRelu?: true;
}

const convOf = (filters: number, k: number, strides: [number, number], padding: Padding, activation: Activation, useBias = true): LayerSpec =>
  ({ type: 'conv2d', filters, kernel: [k, k], strides, padding, activation, useBias });
const passes: PassCase[] = [
  ...ACTIVATIONS.map((a): PassCase => ({ name: `conv2d 3→4 k3 same, ${a}`, layer: convOf(4, 3, [1, 1], 'same', a), input: [3, 6, 6, 3] })),
  ...ACTIVATIONS.map((a): PassCase => ({ name: `dense 12→7, ${a}`, layer: { type: 'dense', units: 7, activation: a, useBias: true }, input: [5, 12] })),
  { name: 'conv2d 3→5 k3 s2 valid relu (fused)', layer: convOf(5, 3, [2, 2], 'valid', 'relu'), input: [4, 9, 9, 3] },
  { name: 'conv2d 2→4 k2 s[2,1] same linear, no bias', layer: convOf(4, 2, [2, 1], 'same', 'linear', false), input: [2, 7, 6, 2] },
  { name: 'conv2d 2→4 k3 same relu, no bias, batch 1', layer: convOf(4, 3, [1, 1], 'same', 'relu', false), input: [1, 5, 5, 2] },
  { name: 'dense 12→6 relu, no bias', layer: { type: 'dense', units: 6, activation: 'relu', useBias: false }, input: [3, 12] },
  { name: 'batchnorm on a map', layer: { type: 'batchnorm', momentum: 0.9, epsilon: 1e-3 }, input: [4, 5, 5, 3] },
  { name: 'batchnorm on a vector, epsilon 0.01', layer: { type: 'batchnorm', momentum: 0.99, epsilon: 1e-2 }, input: [6, 8] },
  { name: 'batchnorm, batch 1', layer: { type: 'batchnorm', momentum: 0.5, epsilon: 1e-3 }, input: [1, 3, 3, 2] },
  { name: 'batchnorm → relu (fused with oneDNN)', layer: { type: 'batchnorm', momentum: 0.9, epsilon: 1e-3 }, input: [4, 6, 6, 5], thenRelu: true },
  { name: 'batchnorm on a vector → relu', layer: { type: 'batchnorm', momentum: 0.99, epsilon: 1e-3 }, input: [6, 8], thenRelu: true },
  { name: 'conv2d linear, no bias → relu', layer: convOf(4, 3, [1, 1], 'same', 'linear', false), input: [3, 6, 6, 2], thenRelu: true },
  { name: 'conv2d linear → relu (fused)', layer: convOf(4, 3, [2, 2], 'valid', 'linear'), input: [3, 9, 9, 2], thenRelu: true },
  { name: 'dense linear → relu', layer: { type: 'dense', units: 6, activation: 'linear', useBias: true }, input: [4, 9], thenRelu: true },
  { name: 'avgpool 2×2 s2 valid', layer: { type: 'avgpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' }, input: [3, 9, 9, 2] },
  { name: 'avgpool 3×3 s2 same', layer: { type: 'avgpool2d', pool: [3, 3], strides: [2, 2], padding: 'same' }, input: [2, 7, 7, 3] },
  { name: 'avgpool [2,3] s[1,2] valid', layer: { type: 'avgpool2d', pool: [2, 3], strides: [1, 2], padding: 'valid' }, input: [2, 6, 7, 2] },
  { name: 'maxpool 3×3 s2 same', layer: { type: 'maxpool2d', pool: [3, 3], strides: [2, 2], padding: 'same' }, input: [2, 7, 7, 3] },
  { name: 'global average pooling', layer: { type: 'globalavgpool2d' }, input: [3, 5, 4, 3] },
  { name: 'global max pooling', layer: { type: 'globalmaxpool2d' }, input: [3, 5, 4, 3] },
  ...ACTIVATIONS.map((a): PassCase => ({ name: `activation layer ${a}`, layer: { type: 'activation', activation: a }, input: [3, 4, 4, 3] })),
  { name: 'gelu layer', layer: { type: 'gelu' }, input: [3, 4, 4, 3] },
  { name: 'swish layer', layer: { type: 'swish' }, input: [3, 10] },
  { name: 'leaky relu 0.3', layer: { type: 'leakyrelu', negativeSlope: 0.3 }, input: [3, 4, 4, 2] },
  { name: 'elu alpha 0.5', layer: { type: 'elu', alpha: 0.5 }, input: [3, 4, 4, 2] },
  { name: 'zero padding [1, 2]', layer: { type: 'zeropadding2d', padding: [1, 2] }, input: [2, 4, 4, 2] },
  { name: 'flatten', layer: { type: 'flatten' }, input: [2, 3, 4, 2] },
  ...([
    [3, 1, 3, [1, 1], 'same', 'linear', true], [3, 2, 3, [2, 2], 'valid', 'relu', true], [4, 1, 3, [1, 2], 'same', 'tanh', true],
    [3, 3, 2, [3, 1], 'valid', 'linear', false], [2, 2, 2, [2, 2], 'same', 'sigmoid', false],
  ] as const).map(([c, m, k, strides, padding, activation, useBias]): PassCase => ({
    name: `depthwise ${c}×${m} k${k} s${strides.join('×')} ${padding} ${activation}${useBias ? '' : ', no bias'}`,
    layer: { type: 'depthwiseconv2d', kernel: [k, k], strides: [...strides], padding, depthMultiplier: m, activation, useBias },
    input: [3, 8, 7, c],
  })),
  ...([
    [3, 2, 6, [1, 1], 'same', 'relu', true], [2, 1, 4, [2, 1], 'valid', 'linear', true], [3, 1, 5, [2, 2], 'same', 'elu', false],
  ] as const).map(([c, m, filters, strides, padding, activation, useBias]): PassCase => ({
    name: `separable ${c}×${m}→${filters} k3 s${strides.join('×')} ${padding} ${activation}${useBias ? '' : ', no bias'}`,
    layer: { type: 'separableconv2d', filters, kernel: [3, 3], strides: [...strides], padding, depthMultiplier: m, activation, useBias },
    input: [2, 8, 7, c],
  })),
];

export const passCases: readonly PassCase[] = passes;
