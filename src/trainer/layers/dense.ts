/** `dense`: Keras `Dense`, on the direct step `MatMul` and `BiasAdd` and their gradients. */
import * as tf from '@tensorflow/tfjs';
import type { DenseLayer } from '../../core/index';
import { variableOf } from '../nativeOps';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';
import type { NativePass } from './def';
import { glorotFor } from './init';
import { activationOnDirectStep } from './linearOrRelu';

function densePass(w: tf.Variable, b: tf.Variable | null, relu: boolean): NativePass {
  return {
    variables: b ? [w, b] : [w],
    forward: (x, ctx) => {
      const { ops } = ctx;
      let z = ops.matMul(x, w, false, false);
      if (b) z = ops.biasAdd(z, b);
      const y = relu ? ops.relu(z) : z;
      return {
        y,
        backward: (dy, needInput, grads) => {
          const dz = relu ? ops.reluGrad(dy, y) : dy;
          if (b) grads.set(b, ops.biasAddGrad(dz));
          grads.set(w, ops.matMul(x, dz, true, false));
          return needInput ? ops.matMul(dz, w, false, true) : null;
        },
      };
    },
    withoutRelu: () => (relu ? densePass(w, b, false) : null),
  };
}

export const dense = trainerLayer<DenseLayer>({
  type: 'dense',
  build: (l, ctx) => tf.layers.dense({
    ...inputShapeArg(ctx), name: ctx.name, units: l.units, activation: l.activation, useBias: l.useBias,
    kernelInitializer: 'zeros', biasInitializer: 'zeros',
  }),
  initWeight: glorotFor('kernel'),
  native: {
    unsupported: (l, output) => activationOnDirectStep(l.type, l.activation, output),
    logits: true,
    pass: (l, layer) => densePass(variableOf(layer, 0), l.useBias ? variableOf(layer, 1) : null, l.activation === 'relu'),
  },
  inspect: NOT_SHOWN,
});
