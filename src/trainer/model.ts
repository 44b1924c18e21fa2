/**
 * Builds the TensorFlow.js model a resolved ModelSpec describes: a `tf.Sequential` with one Keras
 * layer per spec layer, Keras names and Keras default initializers, seeded by us.
 *
 * Why we seed ourselves: tfjs initializers ignore their `seed` in places (tfjs issue #7104) and fall
 * back to `Math.random`, and a seeded tfjs `Dropout` draws the *same* mask on every step. So layers
 * are created with zero kernels and the Glorot-uniform values are generated here from the run's
 * seed (`setWeights`), and dropout is a drop-in layer that draws a fresh mask per step from a
 * seeded stream. The saved topology still says `Dropout`, so checkpoints load in stock tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, LayerType, ModelSpec } from '../shared/modelSpec';
import { Rng, stream } from './rng';

/** Keras's prefix for default layer names (`conv2d`, `max_pooling2d_1`, ...). */
const KERAS_PREFIX: Readonly<Record<LayerType, string>> = {
  conv2d: 'conv2d',
  maxpool2d: 'max_pooling2d',
  avgpool2d: 'average_pooling2d',
  globalavgpool2d: 'global_average_pooling2d',
  flatten: 'flatten',
  dense: 'dense',
  dropout: 'dropout',
  batchnorm: 'batch_normalization',
  activation: 'activation',
};

/**
 * Default layer names when the caller has none (normally the trainer passes the names from
 * `inferSummary`, so the dashboard, summary and checkpoints agree): Keras's `conv2d`, `conv2d_1`, ...
 */
export function defaultLayerNames(layers: readonly LayerSpec[]): string[] {
  const counts = new Map<LayerType, number>();
  return layers.map((l) => {
    const n = counts.get(l.type) ?? 0;
    counts.set(l.type, n + 1);
    return l.name ?? (n === 0 ? KERAS_PREFIX[l.type] : `${KERAS_PREFIX[l.type]}_${n}`);
  });
}

/**
 * Inverted dropout (as Keras: scale kept units by 1/(1-rate) while training, identity otherwise)
 * with a mask drawn from a seeded stream on each training call. Its class name is `Dropout`, so a
 * saved model.json is a stock tfjs/Keras topology.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  readonly rate: number;
  private rng: Rng;

  constructor(args: { rate: number; name?: string; seed: number; inputShape?: number[] }) {
    super({ name: args.name, inputShape: args.inputShape });
    this.rate = args.rate;
    this.rng = stream(args.seed, `dropout:${args.name ?? ''}`, 0);
    this.supportsMasking = true;
  }

  /** Restart the mask stream for one epoch, so an epoch's masks do not depend on earlier epochs. */
  reseed(seed: number, epoch: number): void {
    this.rng = stream(seed, `dropout:${this.name}`, epoch);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input === undefined) throw new Error('SeededDropout expects one input');
    const mask = kwargs.training === true ? this.drawMask(input.size) : null;
    if (!mask) return input;
    return tf.tidy(() => tf.mul(input, tf.tensor(mask, input.shape, 'float32')));
  }

  /**
   * A seed pair for one step's mask drawn by TensorFlow's stateless generator (the native training
   * step), taken from the same per-epoch stream, so masks stay fresh per step and reproducible.
   */
  nextSeedPair(): [number, number] {
    return [this.rng.int(0x7fffffff), this.rng.int(0x7fffffff)];
  }

  /**
   * The next training mask for `size` inputs: 1/(1-rate) for kept units, 0 for dropped ones; null
   * when the rate is 0. Used by `call` and by the native training step, so both draw the same masks.
   */
  drawMask(size: number): Float32Array | null {
    if (this.rate <= 0) return null;
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = new Float32Array(size);
    for (let i = 0; i < size; i++) mask[i] = this.rng.next() < keep ? scale : 0;
    return mask;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, noiseShape: null, seed: null, ...super.getConfig() };
  }
}

export interface BuiltModel {
  readonly model: tf.Sequential;
  /** Layer names in spec order (the Keras/summary names). */
  readonly names: readonly string[];
  /** True when the last layer already ends in softmax; otherwise the model outputs logits. */
  readonly outputsProbabilities: boolean;
  readonly dropouts: readonly SeededDropout[];
}

/**
 * One Keras layer for a spec layer. `inputShape` is given for the first layer, whatever its type
 * (Keras accepts any layer first in a Sequential given an input shape: dropout, batchnorm, pooling...).
 * `flatInput`: the length of the layer's input when that is already a vector, else null.
 */
function makeLayer(l: LayerSpec, name: string, seed: number, inputShape: readonly number[] | undefined, flatInput: number | null): tf.layers.Layer {
  const first = inputShape ? { inputShape: [...inputShape] } : {};
  switch (l.type) {
    case 'conv2d':
      return tf.layers.conv2d({
        ...first, name, filters: l.filters, kernelSize: [...l.kernel], strides: [...l.strides],
        padding: l.padding, activation: l.activation, useBias: l.useBias,
        kernelInitializer: 'zeros', biasInitializer: 'zeros',
      });
    case 'maxpool2d':
      return tf.layers.maxPooling2d({ ...first, name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding });
    case 'avgpool2d':
      return tf.layers.averagePooling2d({ ...first, name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding });
    case 'globalavgpool2d':
      return tf.layers.globalAveragePooling2d({ ...first, name });
    case 'flatten':
      // Keras's Flatten passes a vector through; tfjs's insists on rank ≥ 3 (with the batch), so a
      // flatten of a vector is the identity reshape (same output; the saved topology says Reshape).
      if (flatInput !== null) return tf.layers.reshape({ name, targetShape: [flatInput] });
      return tf.layers.flatten({ ...first, name });
    case 'dense':
      return tf.layers.dense({
        ...first, name, units: l.units, activation: l.activation, useBias: l.useBias,
        kernelInitializer: 'zeros', biasInitializer: 'zeros',
      });
    case 'dropout':
      return new SeededDropout({ rate: l.rate, name, seed, ...first });
    case 'batchnorm':
      return tf.layers.batchNormalization({ ...first, name, momentum: l.momentum, epsilon: l.epsilon });
    case 'activation':
      return tf.layers.activation({ ...first, name, activation: l.activation });
  }
}

/** Whether the model's final activation is softmax (searching back over shape-only layers). */
function endsInSoftmax(layers: readonly LayerSpec[]): boolean {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (!l) break;
    if (l.type === 'dense' || l.type === 'conv2d' || l.type === 'activation') return l.activation === 'softmax';
    if (l.type !== 'dropout' && l.type !== 'flatten') return false;
  }
  return false;
}

/**
 * Keras's glorot_uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)); for conv kernels
 * [kh, kw, in, out] the receptive field multiplies both fans.
 */
export function glorotUniform(shape: readonly number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  let fanIn: number;
  let fanOut: number;
  if (shape.length === 2) {
    fanIn = shape[0] ?? 1;
    fanOut = shape[1] ?? 1;
  } else {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    fanIn = (shape[shape.length - 2] ?? 1) * receptive;
    fanOut = (shape[shape.length - 1] ?? 1) * receptive;
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.range(-limit, limit);
  return out;
}

/**
 * Sets every kernel to seeded Glorot-uniform values; biases, BatchNorm beta/mean stay 0 and
 * gamma/variance stay 1 (Keras defaults, already deterministic).
 */
export function initWeights(model: tf.LayersModel, seed: number): void {
  const rng = stream(seed, 'init');
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    if (w.originalName.endsWith('/kernel')) return tf.tensor(glorotUniform(shape, rng), shape, 'float32');
    return null;
  });
  const current = model.getWeights();
  model.setWeights(values.map((v, i) => v ?? (current[i] as tf.Tensor)));
  for (const v of values) v?.dispose();
}

/** Builds (uncompiled) and seeds the model. `names` defaults to `defaultLayerNames(spec.layers)`. */
export function buildModel(spec: ModelSpec, names: readonly string[] = defaultLayerNames(spec.layers)): BuiltModel {
  const model = tf.sequential({ name: 'cnn_lab_model' });
  const dropouts: SeededDropout[] = [];
  spec.layers.forEach((l, i) => {
    const shape = i > 0 ? model.outputShape as (number | null)[] : null;
    const flatInput = shape?.length === 2 ? shape[1] ?? null : null;
    const layer = makeLayer(l, names[i] ?? `layer_${i + 1}`, spec.train.seed, i === 0 ? spec.inputShape : undefined, flatInput);
    if (layer instanceof SeededDropout) dropouts.push(layer);
    model.add(layer);
  });
  initWeights(model, spec.train.seed);
  return { model, names, outputsProbabilities: endsInSoftmax(spec.layers), dropouts };
}

/** Makes a tfjs optimizer for the `train` block (tfjs defaults otherwise, which match Keras). */
export function makeOptimizer(spec: ModelSpec): tf.Optimizer {
  const lr = spec.train.learningRate;
  switch (spec.train.optimizer) {
    case 'adam': return tf.train.adam(lr);
    case 'sgd': return tf.train.sgd(lr);
    case 'rmsprop': return tf.train.rmsprop(lr);
    case 'adagrad': return tf.train.adagrad(lr);
    case 'adamax': return tf.train.adamax(lr);
  }
}

/**
 * Compiles with categorical cross-entropy and accuracy, as the course's Keras examples do. When
 * the model ends in softmax, the stock loss is used; when it ends in logits (no softmax), the loss
 * applies softmax itself (`from_logits`), so a model without a final softmax still trains correctly.
 */
export function compileModel(built: BuiltModel, spec: ModelSpec): tf.Optimizer {
  const optimizer = makeOptimizer(spec);
  const loss = built.outputsProbabilities
    ? 'categoricalCrossentropy'
    : (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, undefined, tf.Reduction.NONE);
  built.model.compile({ optimizer, loss, metrics: ['accuracy'] });
  return optimizer;
}
