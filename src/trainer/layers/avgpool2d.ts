/** `avgpool2d`: Keras `AveragePooling2D`. */
import * as tf from '@tensorflow/tfjs';
import type { AvgPool2DLayer } from '../../core/index';
import { inputShapeArg, trainerLayer } from './def';

export const avgpool2d = trainerLayer<AvgPool2DLayer>({
  type: 'avgpool2d',
  build: (l, ctx) => tf.layers.averagePooling2d({ ...inputShapeArg(ctx), name: ctx.name, poolSize: [...l.pool], strides: [...l.strides], padding: l.padding }),
  native: 'an avgpool2d layer',
  inspect: { featureMaps: true, filters: false },
});
