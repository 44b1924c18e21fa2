/** `activation`: Keras `Activation`; on the direct step the activation's own pass (./activations.ts). */
import * as tf from '@tensorflow/tfjs';
import type { ActivationLayer } from '../../core/index';
import { activationPass } from './activations';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const activation = trainerLayer<ActivationLayer>({
  type: 'activation',
  build: (l, ctx) => tf.layers.activation({ ...inputShapeArg(ctx), name: ctx.name, activation: l.activation }),
  // As the output layer of a model that ends in softmax, the logits are its input.
  native: { logits: true, pass: (l, _layer, plan) => activationPass(l.activation, plan.logits) },
  inspect: NOT_SHOWN,
});
