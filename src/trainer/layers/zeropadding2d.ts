/** `zeropadding2d`: Keras `ZeroPadding2D` (symmetric [rows, columns]); on the direct step `Pad`, and `Slice` back. */
import * as tf from '@tensorflow/tfjs';
import type { ZeroPadding2DLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const zeropadding2d = trainerLayer<ZeroPadding2DLayer>({
  type: 'zeropadding2d',
  build: (l, ctx) => tf.layers.zeroPadding2d({ ...inputShapeArg(ctx), name: ctx.name, padding: [l.padding[0], l.padding[1]] }),
  native: {
    logits: false,
    pass: (l) => ({
      variables: [],
      forward: (x, ctx) => {
        const [rows, cols] = l.padding;
        const paddings = ctx.int32([0, 0, rows, rows, cols, cols, 0, 0], [4, 2]);
        return {
          y: ctx.ops.pad(x, paddings),
          backward: (dy, needInput) => (needInput ? ctx.ops.slice(dy, ctx.int32([0, rows, cols, 0], [4]), ctx.shape(x.shape)) : null),
        };
      },
    }),
  },
  inspect: NOT_SHOWN,
});
