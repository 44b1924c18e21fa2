/** `activation`: Keras `Activation`. */
import * as tf from '@tensorflow/tfjs';
import type { ActivationLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const activation = trainerLayer<ActivationLayer>({
  type: 'activation',
  build: (l, ctx) => tf.layers.activation({ ...inputShapeArg(ctx), name: ctx.name, activation: l.activation }),
  native: 'an activation layer',
  inspect: NOT_SHOWN,
});
