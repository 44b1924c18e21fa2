/**
 * `maxpool2d`: Keras `MaxPooling2D`; on the direct step oneDNN's max pooling, whose workspace
 * makes the gradient a scatter (`MaxPoolGrad` recomputes the pooling: 11 ms for the first pool of
 * the Keras mnist_convnet at batch 128, against 0.25 ms), and the stock ops without oneDNN.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaxPool2DLayer } from '../../core/index';
import { tfPadding, type TfPadding } from '../nativeOps';
import { inputShapeArg, trainerLayer } from './def';
import type { NativePass } from './def';

/**
 * How a max pooling handles the ReLU of the layer before it, moved behind it (see `foldRelu` in
 * ../nativeStep.ts): not at all; in full (forward on the pooled values, and `ReluGrad`); or only
 * its gradient, when the layer before applied it in a fused kernel.
 */
export type PoolRelu = 'none' | 'full' | 'gradOnly';

/** Max pooling; `window` gives the pool and strides for an input. */
export function maxPoolPass(window: (x: tf.Tensor) => { pool: readonly [number, number]; strides: readonly [number, number] }, padding: TfPadding, relu: PoolRelu): NativePass {
  return {
    variables: [],
    forward: (x, ctx) => {
      const { ops } = ctx;
      const { pool, strides } = window(x);
      let p: tf.Tensor;
      let workspace: tf.Tensor | null = null;
      if (ctx.mkl) [p, workspace] = ops.mklMaxPool(x, pool, strides, padding);
      else p = ops.maxPool(x, pool, strides, padding);
      const y = relu === 'full' ? ops.relu(p) : p;
      return {
        y,
        backward: (dy, needInput) => {
          if (!needInput) return null;
          const g = relu === 'none' ? dy : ops.reluGrad(dy, y);
          return workspace
            ? ops.mklMaxPoolGrad(x, p, g, workspace, pool, strides, padding)
            : ops.maxPoolGrad(x, p, g, pool, strides, padding);
        },
      };
    },
    withRelu: (reluApplied) => maxPoolPass(window, padding, reluApplied ? 'gradOnly' : 'full'),
  };
}

export const maxpool2d = trainerLayer<MaxPool2DLayer>({
  type: 'maxpool2d',
  build: (l, ctx) => tf.layers.maxPooling2d({ ...inputShapeArg(ctx), name: ctx.name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding }),
  native: {
    logits: false,
    pass: (l) => maxPoolPass(() => ({ pool: l.pool, strides: l.strides }), tfPadding(l.padding), 'none'),
  },
  inspect: { featureMaps: true, filters: false },
});
