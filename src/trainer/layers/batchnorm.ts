/**
 * `batchnorm`: Keras `BatchNormalization`; gamma and the moving variance start at 1, beta and the
 * moving mean at 0 (Keras's defaults, deterministic, so tfjs's own initializers are kept).
 *
 * On the direct step: TensorFlow's `FusedBatchNormV3` (training mode: the batch's mean and
 * variance over batch and positions) and `FusedBatchNormGradV3`; a vector input (after a dense
 * layer) runs as a 1×1 map. The moving mean and variance, which evaluation, checkpoints and the
 * dashboard read from the tfjs layer, are updated in each step as tfjs-layers' `BatchNormalization`
 * updates them in `trainOnBatch` (and Keras 3 does): m ← m − (m − batch)·(1 − momentum), with the
 * batch's biased variance (TensorFlow's op reports the Bessel-corrected n/(n−1) one, which the
 * update scales back). A ReLU layer after it runs in the same kernel with oneDNN (`absorbRelu`).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormLayer } from '../../core/index';
import { variableOf } from '../nativeOps';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';
import type { NativePass } from './def';

/**
 * Batch norm, with the ReLU of an `activation: relu` layer after it when `relu` (oneDNN's
 * `_MklNativeFusedBatchNormEx` applies it in the same pass where its fused kernels run; its
 * gradient is `ReluGrad`).
 */
function batchNormPass(l: BatchNormLayer, layer: tf.layers.Layer, relu: boolean, mkl: boolean): NativePass {
  // `mkl`: oneDNN's fused kernels run here (PlanContext.fused === 'mkl').
  // tfjs's weight order: gamma, beta, moving_mean, moving_variance.
  const [gamma, beta, movingMean, movingVariance] = [0, 1, 2, 3].map((k) => variableOf(layer, k)) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  return {
    variables: [gamma, beta],
    forward: (x, ctx) => {
      const { ops } = ctx;
      const channels = x.shape[x.shape.length - 1] ?? 1;
      const x4 = x.shape.length === 4 ? x : ops.reshape(x, ctx.shape([x.shape[0] ?? 0, 1, 1, channels]));
      const fusedRelu = relu && mkl;
      const outs = fusedRelu
        ? ops.mklFusedBatchNormRelu(x4, gamma, beta, movingMean, movingVariance, l.epsilon)
        : ops.fusedBatchNorm(x4, gamma, beta, movingMean, movingVariance, l.epsilon);
      const [normed, batchMean, batchVariance, ...reserve] = outs as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      const y4 = relu && !fusedRelu ? ops.relu(normed) : normed;
      const n = x4.size / channels;
      const biased = n > 1 ? ops.mul(batchVariance, ctx.constant((n - 1) / n)) : batchVariance;
      const decay = ctx.constant(1 - l.momentum);
      // tfjs's order of operations (doMovingAverage): orig − (orig − value)·decay.
      movingMean.assign(ops.sub(movingMean, ops.mul(ops.sub(movingMean, batchMean), decay)));
      movingVariance.assign(ops.sub(movingVariance, ops.mul(ops.sub(movingVariance, biased), decay)));
      return {
        y: x4 === x ? y4 : ops.reshape(y4, ctx.shape(x.shape)),
        backward: (dy, needInput, grads) => {
          const dyReshaped = x4 === x ? dy : ops.reshape(dy, ctx.shape(x4.shape));
          const dy4 = relu ? ops.reluGrad(dyReshaped, y4) : dyReshaped;
          const [dx4, dGamma, dBeta] = ops.fusedBatchNormGrad(dy4, x4, gamma, reserve, l.epsilon);
          grads.set(gamma, dGamma);
          grads.set(beta, dBeta);
          if (!needInput) return null;
          return x4 === x ? dx4 : ops.reshape(dx4, ctx.shape(x.shape));
        },
      };
    },
    ...(relu ? {} : { absorbRelu: () => batchNormPass(l, layer, true, mkl) }),
  };
}

export const batchnorm = trainerLayer<BatchNormLayer>({
  type: 'batchnorm',
  build: (l, ctx) => tf.layers.batchNormalization({ ...inputShapeArg(ctx), name: ctx.name, momentum: l.momentum, epsilon: l.epsilon }),
  native: { logits: false, pass: (l, layer, plan) => batchNormPass(l, layer, false, plan.fused === 'mkl') },
  inspect: NOT_SHOWN,
});
