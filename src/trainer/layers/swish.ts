/** `swish`: Keras `Activation('swish')`, x·sigmoid(x) (SiLU); tfjs's `swish` activation is the same. */
import * as tf from '@tensorflow/tfjs';
import type { SwishLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const swish = trainerLayer<SwishLayer>({
  type: 'swish',
  build: (_l, ctx) => tf.layers.activation({ ...inputShapeArg(ctx), name: ctx.name, activation: 'swish' }),
  native: 'a swish layer (no direct pass yet)',
  inspect: NOT_SHOWN,
});
