/**
 * `conv2d`: Keras `Conv2D`, on the direct step `Conv2D` and its two backprop ops, with the bias
 * (and a ReLU) in the convolution's kernel where a fused one runs: oneDNN's
 * `_MklNativeFusedConv2D` (`_MklNativeConv2DWithBias` without a ReLU: the same kernel), or
 * TensorFlow's `_FusedConv2D` with oneDNN off (docs/benchmarks.md, "Fused kernels", has what each
 * saves). Any other activation is its own pass after the convolution (./activations.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DLayer } from '../../core/index';
import { tfPadding, variableOf, type FusedKernels, type TfPadding } from '../nativeOps';
import { withActivation } from './activations';
import { inputShapeArg, trainerLayer } from './def';
import type { NativePass, PlanContext } from './def';
import { glorotFor } from './init';

/**
 * How a convolution handles a ReLU after it: not at all; in full (forward and `ReluGrad`); or
 * forward only, in a fused kernel, its gradient left to the max pooling that follows (`foldRelu`
 * in ../nativeStep.ts: the pooling of ReLU outputs is the ReLU of the pooling, so `ReluGrad` on
 * the pooled output routes the same gradient through a quarter of the values).
 */
export type ConvRelu = 'none' | 'full' | 'forwardOnly';

/**
 * A convolution with optional bias and ReLU; `plan.fused`: the fused kernels to use for conv +
 * bias (+ ReLU), or null for the separate ops (and `_MklNativeConv2DWithBias` when `mkl`). With
 * oneDNN's (`mkl`) the convolution without bias and both gradients call oneDNN's kernels by name
 * too (`_MklNativeConv2D`: 0.89 against 1.34 ms for `Conv2D` on the batch-norm benchmark's first
 * layer; the backprop kernels bit-identical and 2–9% faster than the stock names).
 */
export function convPass(
  w: tf.Variable, b: tf.Variable | null, relu: ConvRelu, strides: readonly [number, number], padding: TfPadding,
  plan: Pick<PlanContext, 'mkl' | 'fused'>,
): NativePass {
  const wShape = w.shape;
  const fused: FusedKernels | null = b ? plan.fused : null;
  return {
    variables: b ? [w, b] : [w],
    forward: (x, ctx) => {
      const { ops } = ctx;
      let y: tf.Tensor;
      if (fused && b) {
        // oneDNN's conv + bias without a ReLU is its `_MklNativeConv2DWithBias`: the same kernel, no list attributes.
        y = relu === 'none' && fused === 'mkl' ? ops.mklConv2dWithBias(x, w, b, strides, padding) : ops.fusedConv2d(fused, x, w, b, strides, padding, relu !== 'none');
      } else {
        let z: tf.Tensor;
        if (b && plan.mkl) z = ops.mklConv2dWithBias(x, w, b, strides, padding);
        else if (plan.fused === 'mkl') z = ops.mklConv2d(x, w, strides, padding);
        else {
          z = ops.conv2d(x, w, strides, padding);
          if (b) z = ops.biasAdd(z, b);
        }
        y = relu === 'none' ? z : ops.relu(z);
      }
      return {
        y,
        backward: (dy, needInput, grads) => {
          const dz = relu === 'full' ? ops.reluGrad(dy, y) : dy;
          if (b) grads.set(b, ops.biasAddGrad(dz));
          grads.set(w, ops.conv2dBackpropFilter(x, ctx.shape(wShape), dz, strides, padding, plan.fused === 'mkl'));
          return needInput ? ops.conv2dBackpropInput(ctx.shape(x.shape), w, dz, strides, padding, plan.fused === 'mkl') : null;
        },
      };
    },
    // A fused kernel applies the ReLU at no cost; without one the next pass runs it on fewer values.
    withoutRelu: () => (relu === 'full'
      ? { pass: convPass(w, b, fused ? 'forwardOnly' : 'none', strides, padding, plan), reluApplied: fused !== null }
      : null),
    // A ReLU layer after a linear conv is the conv's own ReLU (fused where a kernel fuses it).
    ...(relu === 'none' ? { absorbRelu: () => convPass(w, b, 'full', strides, padding, plan) } : {}),
  };
}

export const conv2d = trainerLayer<Conv2DLayer>({
  type: 'conv2d',
  build: (l, ctx) => tf.layers.conv2d({
    ...inputShapeArg(ctx), name: ctx.name, filters: l.filters, kernelSize: [...l.kernel], strides: [...l.strides],
    padding: l.padding, activation: l.activation, useBias: l.useBias,
    kernelInitializer: 'zeros', biasInitializer: 'zeros',
  }),
  initWeight: glorotFor('kernel'),
  native: {
    logits: true,
    pass: (l, layer, plan) => {
      const w = variableOf(layer, 0);
      const b = l.useBias ? variableOf(layer, 1) : null;
      const padding = tfPadding(l.padding);
      return withActivation(l.activation, plan.logits, (relu) => convPass(w, b, relu ? 'full' : 'none', l.strides, padding, plan));
    },
  },
  /**
   * libtensorflow 2.21's oneDNN convolution kernels are unsafe for:
   * - exactly 1 input and 1 output channel: wrong input gradients, reported on Intel CPUs and
   *   reproduced in Python TF (not reproduced on an AMD EPYC with AVX-512, where the check in
   *   `test/process/native` passes; kept, as a model cannot choose its CPU);
   * - a 1×1 kernel with a stride above 1: the backprop-filter kernel corrupts the heap for a batch
   *   of one (an epoch's last batch can be one sample), seen as `free(): invalid size`/SIGSEGV on
   *   that AMD EPYC for 12×12 to 32×32 inputs, whatever the channel counts.
   */
  onednnHazard: (l, input) => {
    if (input[2] === 1 && l.filters === 1) return 'a convolution from 1 channel to 1 filter';
    if (l.kernel.some((k, i) => k === 1 && (l.strides[i] ?? 1) > 1)) return 'a 1×1 kernel with a stride above 1';
    return null;
  },
  inspect: { featureMaps: true, filters: true },
});
