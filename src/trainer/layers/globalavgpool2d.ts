/**
 * `globalavgpool2d`: Keras `GlobalAveragePooling2D`; on the direct step a `Mean` over the map,
 * and its gradient: each channel's gradient spread evenly over the map (`BroadcastTo` of dy/(H·W)).
 */
import * as tf from '@tensorflow/tfjs';
import type { GlobalAvgPool2DLayer } from '../../core/index';
import { inputShapeArg, trainerLayer } from './def';

export const globalavgpool2d = trainerLayer<GlobalAvgPool2DLayer>({
  type: 'globalavgpool2d',
  build: (_l, ctx) => tf.layers.globalAveragePooling2d({ ...inputShapeArg(ctx), name: ctx.name }),
  native: {
    logits: false,
    pass: () => ({
      variables: [],
      forward: (x, ctx) => {
        const { ops } = ctx;
        const [batch, h, w, channels] = x.shape as [number, number, number, number];
        return {
          y: ops.mean(x, ctx.int32([1, 2], [2]), false),
          backward: (dy, needInput) => (needInput
            ? ops.broadcastTo(ops.reshape(ops.mul(dy, ctx.constant(1 / (h * w))), ctx.shape([batch, 1, 1, channels])), ctx.shape(x.shape))
            : null),
        };
      },
    }),
  },
  // Shown as a 1×1 map per channel.
  inspect: { featureMaps: true, filters: false },
});
