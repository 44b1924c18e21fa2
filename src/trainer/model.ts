/**
 * Builds the TensorFlow.js model a resolved ModelSpec describes: a `tf.Sequential` with one Keras
 * layer per spec layer, Keras names and Keras default initializers, seeded by us. What each layer
 * type builds, and how its weights start, is its module's (./layers/<type>.ts).
 *
 * Why we seed ourselves: tfjs initializers ignore their `seed` in places (tfjs issue #7104) and fall
 * back to `Math.random`, and a seeded tfjs `Dropout` draws the *same* mask on every step. So layers
 * are created with zero kernels and Keras's initial values are drawn here from the run's seed
 * (`setWeights`), in the layers' order, and dropout layers draw a fresh mask per step from a
 * seeded stream (./layers/dropout.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { endsInSoftmax, layerNames, type TypedModelSpec } from '../core/index';
import type { ModelSpec } from '../shared/modelSpec';
import { SeededDropout, trainerLayerOf } from './layers/index';
import { stream } from './rng';

export interface BuiltModel {
  readonly model: tf.Sequential;
  /** Layer names in spec order (the Keras/summary names). */
  readonly names: readonly string[];
  /** True when the output layer ends in softmax (the core's `endsInSoftmax`); otherwise the model outputs logits. */
  readonly outputsProbabilities: boolean;
  /** The seeded dropout layers (plain and spatial), reseeded per epoch. */
  readonly dropouts: readonly SeededDropout[];
}

/**
 * Draws every layer's initial weights from the run's seed, as its module says (Keras's
 * glorot_uniform kernels); biases, BatchNorm beta/mean stay 0 and gamma/variance stay 1 (Keras
 * defaults, already deterministic). One stream, drawn layer by layer in model order.
 */
function initWeights(model: tf.Sequential, spec: TypedModelSpec): void {
  const rng = stream(spec.train.seed, 'init');
  spec.layers.forEach((l, i) => {
    const layer = model.layers[i];
    const init = trainerLayerOf(l).initWeight;
    if (!layer || !init || layer.weights.length === 0) return;
    const values = layer.weights.map((w) => {
      const weight = w.originalName.startsWith(`${layer.name}/`) ? w.originalName.slice(layer.name.length + 1) : w.originalName;
      const v = init(weight, w.shape as number[], rng);
      return v ? tf.tensor(v, w.shape as number[], 'float32') : null;
    });
    if (values.every((v) => v === null)) return;
    const current = layer.getWeights();
    layer.setWeights(values.map((v, k) => v ?? (current[k] as tf.Tensor)));
    for (const v of values) v?.dispose();
  });
}

/** Builds (uncompiled) and seeds the model. `names` defaults to the core's `layerNames(spec.layers)`. */
export function buildModel(spec: TypedModelSpec, names: readonly string[] = layerNames(spec.layers)): BuiltModel {
  const model = tf.sequential({ name: 'cnn_lab_model' });
  const dropouts: SeededDropout[] = [];
  spec.layers.forEach((l, i) => {
    const input = i === 0 ? spec.inputShape : (model.outputShape as (number | null)[]).slice(1).map((d) => d ?? 0);
    const layer = trainerLayerOf(l).build(l, { name: names[i] ?? `layer_${i + 1}`, seed: spec.train.seed, input, first: i === 0 });
    if (layer instanceof SeededDropout) dropouts.push(layer);
    model.add(layer);
  });
  initWeights(model, spec);
  return { model, names, outputsProbabilities: endsInSoftmax(spec.layers), dropouts };
}

/** Makes a tfjs optimizer for the `train` block (tfjs defaults otherwise, which match Keras). */
function makeOptimizer(spec: ModelSpec): tf.Optimizer {
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
