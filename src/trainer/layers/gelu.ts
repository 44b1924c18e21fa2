/**
 * `gelu`: Keras `Activation('gelu')`, the exact form x·Φ(x) with Φ from erf (Keras's default
 * `approximate=False`); tfjs's `gelu` activation computes the same (`0.5·x·(1 + erf(x/√2))`).
 */
import * as tf from '@tensorflow/tfjs';
import type { GeluLayer } from '../../core/index';
import { activationPass } from './activations';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

export const gelu = trainerLayer<GeluLayer>({
  type: 'gelu',
  build: (_l, ctx) => tf.layers.activation({ ...inputShapeArg(ctx), name: ctx.name, activation: 'gelu' }),
  native: { logits: false, pass: () => activationPass('gelu') },
  inspect: NOT_SHOWN,
});
