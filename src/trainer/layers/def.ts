/**
 * The trainer's side of one layer type: everything the trainer knows about it, in one module per
 * type (`./<type>.ts`), next to the model language's side in `src/core/layers/<type>.ts` (fields,
 * shapes, Keras names). How to build the tfjs layer, how its weights start (Keras's initializers,
 * drawn from the run's seed), whether the direct TensorFlow step (../nativeStep.ts) runs it and
 * how (its forward and backward pass), what oneDNN cannot be trusted with, and what the dashboard
 * shows of it. `./index.ts` keys the modules by the core's layer types.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../../core/index';
import type { FusedKernels, Ops } from '../nativeOps';
import type { Rng } from '../rng';

/** What a layer is built with besides its spec. */
export interface BuildContext {
  /** Its Keras-style name (the core's `layerNames`, or the user's). */
  readonly name: string;
  /** The run's seed (dropout masks are drawn from streams of it). */
  readonly seed: number;
  /** Shape of the layer's input, without the batch. */
  readonly input: readonly number[];
  /** The model's first layer, which carries the input shape (Keras accepts any layer first). */
  readonly first: boolean;
}

/** `{ inputShape }` for the first layer of a model, nothing otherwise. */
export function inputShapeArg(ctx: BuildContext): { inputShape?: number[] } {
  return ctx.first ? { inputShape: [...ctx.input] } : {};
}

/** What the direct step knows when it makes a layer's pass (once, at its creation). */
export interface PlanContext {
  /** oneDNN's pooling and conv+bias kernels may be used. */
  readonly mkl: boolean;
  /**
   * Which fused conv (+ bias + ReLU) kernels run here (../nativeOps.ts `fusedKernels`), or null.
   * `mkl` also means oneDNN's other kernels the step calls by name: batch norm with ReLU, the
   * convolution without bias and its gradients.
   */
  readonly fused: FusedKernels | null;
  /**
   * The layer's output goes to the loss as logits: a softmax at its end is left out (the loss,
   * `SparseSoftmaxCrossEntropyWithLogits`, applies it). Only for the output layer of a model
   * that ends in softmax, when its `NativeSupport.logits` says it can.
   */
  readonly logits: boolean;
}

/** What a native pass runs with during one step (see ../nativeStep.ts). */
export interface StepContext {
  readonly ops: Ops;
  /** oneDNN's pooling and conv+bias kernels may be used. */
  readonly mkl: boolean;
  /** Dropout masks from TensorFlow's stateless generator, or drawn in JavaScript (to compare with tfjs). */
  readonly dropoutMasks: 'tensorflow' | 'javascript';
  /** A cached int32 shape tensor (inputs to Reshape, the conv backprop ops...). */
  shape(dims: readonly number[]): tf.Tensor;
  /** A cached int32 tensor of `values` in `shape` (Pad's paddings, Slice's begin...). */
  int32(values: readonly number[], shape: readonly number[]): tf.Tensor;
  /** A cached float32 scalar. */
  constant(v: number): tf.Tensor;
}

/** The gradients of the trained variables, filled in by the backward passes. */
export type Gradients = Map<tf.Variable, tf.Tensor>;

/** One layer's forward pass in one step, holding what its backward pass needs. */
export interface NativeForward {
  readonly y: tf.Tensor;
  /**
   * Sets the gradients of the layer's variables from `dy` (the loss's gradient with respect to
   * `y`) and returns the gradient with respect to the layer's input, or null when `needInput` is
   * false (the first layer: nothing before it learns).
   */
  backward(dy: tf.Tensor, needInput: boolean, grads: Gradients): tf.Tensor | null;
}

/** A layer as the direct step runs it, over the built tfjs layer's variables. */
export interface NativePass {
  /** The variables it trains, in the tfjs layer's weight order. */
  readonly variables: readonly tf.Variable[];
  forward(x: tf.Tensor, ctx: StepContext): NativeForward;
  /**
   * For a layer that ends in a ReLU it can leave to the next layer: itself without that ReLU's
   * gradient (and without the ReLU itself, unless a fused kernel applies it at no cost:
   * `reluApplied`), or null when it has no ReLU (see `foldRelu` in ../nativeStep.ts).
   */
  withoutRelu?(): { readonly pass: NativePass; readonly reluApplied: boolean } | null;
  /**
   * For a layer that commutes with ReLU (max pooling): itself with the ReLU of the layer before
   * run after it (unless that layer applied it already: `reluApplied`), and its gradient.
   */
  withRelu?(reluApplied: boolean): NativePass;
  /**
   * For a layer whose kernel can apply a ReLU that follows it (an `activation: relu` layer, see
   * `foldRelu`): itself with that ReLU, in its own kernel where one does (batch norm, a fused conv).
   */
  absorbRelu?(): NativePass;
}

/** How the direct TensorFlow step runs a layer type. */
export interface NativeSupport<S extends LayerSpec> {
  /**
   * Why this layer's settings are out of the step's reach, or null when it runs them. `output`:
   * the layer gives the model's output (the core's `outputLayerIndex`).
   */
  unsupported?(spec: S, output: boolean): string | null;
  /**
   * As the output layer of a model that ends in softmax, its pass can give the logits (its
   * softmax left to the loss, `SparseSoftmaxCrossEntropyWithLogits`): `PlanContext.logits`.
   */
  readonly logits: boolean;
  pass(spec: S, layer: tf.layers.Layer, plan: PlanContext): NativePass;
}

/** What the dashboard shows of a layer. */
export interface LayerInspection {
  /** Its output is drawn as feature maps (one per channel). */
  readonly featureMaps: boolean;
  /** Its first weight is a conv kernel [kh, kw, in, out] drawn in the filters view. */
  readonly filters: boolean;
}

export interface TrainerLayer<S extends LayerSpec> {
  readonly type: S['type'];
  /** The tfjs layer, created with zero (or tfjs's deterministic) initial weights; see `initWeight`. */
  build(spec: S, ctx: BuildContext): tf.layers.Layer;
  /**
   * Initial values of one of the built layer's weights, by its tfjs name (`kernel`, `bias`,
   * `depthwise_kernel`...), drawn from `rng` as Keras's default initializer would; null keeps
   * what the layer was built with (zeros, ones). Absent: the layer keeps all its weights as built.
   */
  readonly initWeight?: (weight: string, shape: readonly number[], rng: Rng) => Float32Array | null;
  /** How the direct TensorFlow step runs it, or why it cannot (the model then trains through `trainOnBatch`). */
  readonly native: NativeSupport<S> | string;
  /**
   * Why libtensorflow's oneDNN kernels are unsafe for this layer on input `input` (no batch), or
   * null; any such layer turns oneDNN off for the whole run (../backends/tensorflow.ts).
   */
  onednnHazard?(spec: S, input: readonly number[]): string | null;
  readonly inspect: LayerInspection;
}

/** Identity for type inference: `export const conv2d = trainerLayer<Conv2DLayer>({...})`. */
export function trainerLayer<S extends LayerSpec>(def: TrainerLayer<S>): TrainerLayer<S> {
  return def;
}

export const NOT_SHOWN: LayerInspection = { featureMaps: false, filters: false };
