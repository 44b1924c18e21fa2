/** `swish`: Keras `Activation('swish')`, x·sigmoid(x) (SiLU); tfjs's `swish` activation is the same. */
import * as tf from '@tensorflow/tfjs';
import type { SwishLayer } from '../../core/index';
import { activationPass } from './activations';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const swish = trainerLayer<SwishLayer>({
  type: 'swish',
  build: (_l, ctx) => tf.layers.activation({ ...inputShapeArg(ctx), name: ctx.name, activation: 'swish' }),
  native: { logits: false, pass: () => activationPass('swish') },
  inspect: NOT_SHOWN,
});
