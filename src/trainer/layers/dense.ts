/**
 * `dense`: Keras `Dense`, on the direct step `MatMul` and `BiasAdd` and their gradients; with
 * oneDNN off TensorFlow's `_FusedMatMul` adds the bias (and a ReLU) in the matmul's kernel (with
 * oneDNN on the separate ops are as fast: docs/benchmarks.md, "Fused kernels"). Any other
 * activation is its own pass after it (./activations.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { DenseLayer } from '../../core/index';
import { variableOf } from '../nativeOps';
import { withActivation } from './activations';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';
import type { NativePass, PlanContext } from './def';
import { glorotFor } from './init';

function densePass(w: tf.Variable, b: tf.Variable | null, relu: boolean, plan: PlanContext): NativePass {
  const fused = b !== null && plan.fused === 'stock';
  return {
    variables: b ? [w, b] : [w],
    forward: (x, ctx) => {
      const { ops } = ctx;
      let y: tf.Tensor;
      if (fused && b) y = ops.fusedMatMul(x, w, b, relu);
      else {
        y = ops.matMul(x, w, false, false);
        if (b) y = ops.biasAdd(y, b);
        if (relu) y = ops.relu(y);
      }
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
    withoutRelu: () => (relu ? { pass: densePass(w, b, false, plan), reluApplied: false } : null),
    ...(relu ? {} : { absorbRelu: () => densePass(w, b, true, plan) }),
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
    logits: true,
    pass: (l, layer, plan) => {
      const w = variableOf(layer, 0);
      const b = l.useBias ? variableOf(layer, 1) : null;
      return withActivation(l.activation, plan.logits, (relu) => densePass(w, b, relu, plan));
    },
  },
  inspect: NOT_SHOWN,
});
