/** `globalavgpool2d`: Keras `GlobalAveragePooling2D`. */
import * as tf from '@tensorflow/tfjs';
import type { GlobalAvgPool2DLayer } from '../../core/index';
import { inputShapeArg, trainerLayer } from './def';

export const globalavgpool2d = trainerLayer<GlobalAvgPool2DLayer>({
  type: 'globalavgpool2d',
  build: (_l, ctx) => tf.layers.globalAveragePooling2d({ ...inputShapeArg(ctx), name: ctx.name }),
  native: 'a globalavgpool2d layer',
  // Shown as a 1×1 map per channel.
  inspect: { featureMaps: true, filters: false },
});
