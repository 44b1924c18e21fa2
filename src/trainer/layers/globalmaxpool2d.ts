/**
 * `globalmaxpool2d`: Keras `GlobalMaxPooling2D`; on the direct step a max pooling over the whole
 * map (oneDNN's, with its workspace, as `maxpool2d`) and a `Reshape` to one value per channel, so
 * it takes the ReLU of a convolution before it too.
 */
import * as tf from '@tensorflow/tfjs';
import type { GlobalMaxPool2DLayer } from '../../core/index';
import { inputShapeArg, trainerLayer } from './def';
import type { NativePass } from './def';
import { maxPoolPass } from './maxpool2d';

/** Whole-map window for an NHWC input. */
const wholeMap = (x: tf.Tensor): { pool: readonly [number, number]; strides: readonly [number, number] } => {
  const window = [x.shape[1] ?? 1, x.shape[2] ?? 1] as const;
  return { pool: window, strides: window };
};

/**
 * The pooling's gradient goes to one position of a window's maximum where tfjs's `max` gradient
 * goes to every tied position; ties only come from exact zeros (a ReLU's, a dropped unit's, a
 * padding's), whose own gradients are zero either way.
 */
function globalMaxPass(pool: NativePass): NativePass {
  return {
    variables: [],
    forward: (x, ctx) => {
      const f = pool.forward(x, ctx);
      const [batch, , , channels] = f.y.shape;
      return {
        y: ctx.ops.reshape(f.y, ctx.shape([batch ?? 0, channels ?? 0])),
        backward: (dy, needInput, grads) => (needInput ? f.backward(ctx.ops.reshape(dy, ctx.shape(f.y.shape)), true, grads) : null),
      };
    },
    withRelu: (reluApplied) => globalMaxPass(pool.withRelu?.(reluApplied) ?? pool),
  };
}

export const globalmaxpool2d = trainerLayer<GlobalMaxPool2DLayer>({
  type: 'globalmaxpool2d',
  build: (_l, ctx) => tf.layers.globalMaxPooling2d({ ...inputShapeArg(ctx), name: ctx.name }),
  native: { logits: false, pass: () => globalMaxPass(maxPoolPass(wholeMap, 'VALID', 'none')) },
  // Shown as a 1×1 map per channel.
  inspect: { featureMaps: true, filters: false },
});
