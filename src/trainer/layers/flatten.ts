/** `flatten`: Keras `Flatten`; on the direct step a `Reshape` each way. */
import * as tf from '@tensorflow/tfjs';
import type { FlattenLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const flatten = trainerLayer<FlattenLayer>({
  type: 'flatten',
  // Keras's Flatten passes a vector through; tfjs's insists on rank ≥ 3 (with the batch), so a
  // flatten of a vector is the identity reshape (same output; the saved topology says Reshape).
  build: (_l, ctx) => (!ctx.first && ctx.input.length === 1
    ? tf.layers.reshape({ name: ctx.name, targetShape: [...ctx.input] })
    : tf.layers.flatten({ ...inputShapeArg(ctx), name: ctx.name })),
  native: {
    logits: false,
    pass: () => ({
      variables: [],
      forward: (x, ctx) => {
        const batch = x.shape[0] ?? 0;
        return {
          y: ctx.ops.reshape(x, ctx.shape([batch, x.size / (x.shape[0] ?? 1)])),
          backward: (dy, needInput) => (needInput ? ctx.ops.reshape(dy, ctx.shape(x.shape)) : null),
        };
      },
    }),
  },
  inspect: NOT_SHOWN,
});
