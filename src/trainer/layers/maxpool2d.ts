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
 * Max pooling, with a ReLU after it when `relu` (the ReLU of the layer before, moved behind the
 * pooling: see `foldRelu` in ../nativeStep.ts). `window` gives the pool and strides for an input.
 */
export function maxPoolPass(window: (x: tf.Tensor) => { pool: readonly [number, number]; strides: readonly [number, number] }, padding: TfPadding, relu: boolean): NativePass {
  return {
    variables: [],
    forward: (x, ctx) => {
      const { ops } = ctx;
      const { pool, strides } = window(x);
      let p: tf.Tensor;
      let workspace: tf.Tensor | null = null;
      if (ctx.mkl) [p, workspace] = ops.mklMaxPool(x, pool, strides, padding);
      else p = ops.maxPool(x, pool, strides, padding);
      const y = relu ? ops.relu(p) : p;
      return {
        y,
        backward: (dy, needInput) => {
          if (!needInput) return null;
          const g = relu ? ops.reluGrad(dy, y) : dy;
          return workspace
            ? ops.mklMaxPoolGrad(x, p, g, workspace, pool, strides, padding)
            : ops.maxPoolGrad(x, p, g, pool, strides, padding);
        },
      };
    },
    withRelu: () => maxPoolPass(window, padding, true),
  };
}

export const maxpool2d = trainerLayer<MaxPool2DLayer>({
  type: 'maxpool2d',
  build: (l, ctx) => tf.layers.maxPooling2d({ ...inputShapeArg(ctx), name: ctx.name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding }),
  native: {
    logits: false,
    pass: (l) => maxPoolPass(() => ({ pool: l.pool, strides: l.strides }), tfPadding(l.padding), false),
  },
  inspect: { featureMaps: true, filters: false },
});
