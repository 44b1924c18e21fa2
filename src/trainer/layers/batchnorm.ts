/**
 * `batchnorm`: Keras `BatchNormalization`; gamma and the moving variance start at 1, beta and the
 * moving mean at 0 (Keras's defaults, deterministic, so tfjs's own initializers are kept).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const batchnorm = trainerLayer<BatchNormLayer>({
  type: 'batchnorm',
  build: (l, ctx) => tf.layers.batchNormalization({ ...inputShapeArg(ctx), name: ctx.name, momentum: l.momentum, epsilon: l.epsilon }),
  native: 'a batchnorm layer',
  inspect: NOT_SHOWN,
});
