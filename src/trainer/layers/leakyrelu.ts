/** `leakyrelu`: Keras `LeakyReLU` (tfjs calls its `negative_slope` `alpha`); on the direct step `LeakyRelu` and `LeakyReluGrad`. */
import * as tf from '@tensorflow/tfjs';
import type { LeakyReluLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const leakyrelu = trainerLayer<LeakyReluLayer>({
  type: 'leakyrelu',
  build: (l, ctx) => tf.layers.leakyReLU({ ...inputShapeArg(ctx), name: ctx.name, alpha: l.negativeSlope }),
  native: {
    logits: false,
    pass: (l) => ({
      variables: [],
      forward: (x, ctx) => ({
        y: ctx.ops.leakyRelu(x, l.negativeSlope),
        backward: (dy, needInput) => (needInput ? ctx.ops.leakyReluGrad(dy, x, l.negativeSlope) : null),
      }),
    }),
  },
  inspect: NOT_SHOWN,
});
