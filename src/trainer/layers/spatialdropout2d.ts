/**
 * `spatialdropout2d`: Keras `SpatialDropout2D`, dropout of whole feature maps: one draw per
 * sample and channel (noise shape [B, 1, 1, C]), kept maps scaled by 1/(1-rate) while training,
 * the identity otherwise. Seeded like `dropout` (it is a `SeededDropout` with another mask
 * shape), under Keras's class name, registered with tfjs's serialization (tfjs has no such layer)
 * so a saved model loads again. The direct step draws the masks as for `dropout` and broadcasts them.
 */
import * as tf from '@tensorflow/tfjs';
import type { SpatialDropout2DLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';
import { SeededDropout, seededDropoutNative } from './dropout';

export class SpatialDropout2D extends SeededDropout {
  static override className = 'SpatialDropout2D';

  /** One value per sample and channel of an NHWC input. */
  override maskShape(shape: readonly number[]): number[] {
    return [shape[0] ?? 1, 1, 1, shape[3] ?? 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { noiseShape: _noiseShape, ...config } = super.getConfig();
    return config;
  }
}
tf.serialization.registerClass(SpatialDropout2D);

export const spatialdropout2d = trainerLayer<SpatialDropout2DLayer>({
  type: 'spatialdropout2d',
  build: (l, ctx) => new SpatialDropout2D({ rate: l.rate, name: ctx.name, seed: ctx.seed, ...inputShapeArg(ctx) }),
  native: seededDropoutNative(),
  inspect: NOT_SHOWN,
});
