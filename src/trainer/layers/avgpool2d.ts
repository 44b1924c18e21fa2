/** `avgpool2d`: Keras `AveragePooling2D`; on the direct step `AvgPool` and `AvgPoolGrad` (border windows of `same` average their real pixels only, as in tfjs and Keras). */
import * as tf from '@tensorflow/tfjs';
import type { AvgPool2DLayer } from '../../core/index';
import { tfPadding } from '../nativeOps';
import { inputShapeArg, trainerLayer } from './def';

export const avgpool2d = trainerLayer<AvgPool2DLayer>({
  type: 'avgpool2d',
  build: (l, ctx) => tf.layers.averagePooling2d({ ...inputShapeArg(ctx), name: ctx.name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding }),
  native: {
    logits: false,
    pass: (l) => {
      const padding = tfPadding(l.padding);
      return {
        variables: [],
        forward: (x, ctx) => ({
          y: ctx.ops.avgPool(x, l.pool, l.strides, padding),
          backward: (dy, needInput) => (needInput ? ctx.ops.avgPoolGrad(ctx.shape(x.shape), dy, l.pool, l.strides, padding) : null),
        }),
      };
    },
  },
  inspect: { featureMaps: true, filters: false },
});
