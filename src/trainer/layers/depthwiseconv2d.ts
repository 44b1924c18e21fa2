/** `depthwiseconv2d`: Keras `DepthwiseConv2D` (Keras 3's default depthwise_initializer is glorot_uniform). */
import * as tf from '@tensorflow/tfjs';
import type { DepthwiseConv2DLayer } from '../../core/index';
import { inputShapeArg, trainerLayer } from './def';
import { depthwiseHazard, withAnyStrides } from './depthwise';
import { glorotFor } from './init';

export const depthwiseconv2d = trainerLayer<DepthwiseConv2DLayer>({
  type: 'depthwiseconv2d',
  build: (l, ctx) => withAnyStrides(tf.layers.depthwiseConv2d({
    ...inputShapeArg(ctx), name: ctx.name, kernelSize: [...l.kernel], strides: [...l.strides], padding: l.padding,
    depthMultiplier: l.depthMultiplier, activation: l.activation, useBias: l.useBias,
    depthwiseInitializer: 'zeros', biasInitializer: 'zeros',
  }), l, false),
  initWeight: glorotFor('depthwise_kernel'),
  native: 'a depthwiseconv2d layer (no direct pass yet)',
  onednnHazard: depthwiseHazard,
  inspect: { featureMaps: true, filters: false },
});
