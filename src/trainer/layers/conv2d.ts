/** `conv2d`: Keras `Conv2D`, on the direct step `Conv2D` (oneDNN's conv+bias) and its two backprop ops. */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DLayer } from '../../core/index';
import { tfPadding, variableOf, type TfPadding } from '../nativeOps';
import { inputShapeArg, trainerLayer } from './def';
import type { NativePass } from './def';
import { glorotFor } from './init';
import { activationOnDirectStep } from './linearOrRelu';

function convPass(w: tf.Variable, b: tf.Variable | null, relu: boolean, strides: readonly [number, number], padding: TfPadding): NativePass {
  const wShape = w.shape;
  return {
    variables: b ? [w, b] : [w],
    forward: (x, ctx) => {
      const { ops } = ctx;
      let z: tf.Tensor;
      if (b && ctx.mkl) z = ops.mklConv2dWithBias(x, w, b, strides, padding);
      else {
        z = ops.conv2d(x, w, strides, padding);
        if (b) z = ops.biasAdd(z, b);
      }
      const y = relu ? ops.relu(z) : z;
      return {
        y,
        backward: (dy, needInput, grads) => {
          const dz = relu ? ops.reluGrad(dy, y) : dy;
          if (b) grads.set(b, ops.biasAddGrad(dz));
          grads.set(w, ops.conv2dBackpropFilter(x, ctx.shape(wShape), dz, strides, padding));
          return needInput ? ops.conv2dBackpropInput(ctx.shape(x.shape), w, dz, strides, padding) : null;
        },
      };
    },
    withoutRelu: () => (relu ? convPass(w, b, false, strides, padding) : null),
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
    unsupported: (l, output) => activationOnDirectStep(l.type, l.activation, output),
    logits: true,
    pass: (l, layer) => convPass(variableOf(layer, 0), l.useBias ? variableOf(layer, 1) : null, l.activation === 'relu', l.strides, tfPadding(l.padding)),
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
