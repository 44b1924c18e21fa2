/**
 * `depthwiseconv2d`: Keras `DepthwiseConv2D` (Keras 3's default depthwise_initializer is
 * glorot_uniform); on the direct step `DepthwiseConv2dNative` and its backprop ops (./depthwise.ts),
 * `BiasAdd`, then its activation (./activations.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { DepthwiseConv2DLayer } from '../../core/index';
import { variableOf } from '../nativeOps';
import { activationPass, chain } from './activations';
import { inputShapeArg, trainerLayer } from './def';
import { depthwiseHazard, depthwisePass, withAnyStrides } from './depthwise';
import { glorotFor } from './init';

export const depthwiseconv2d = trainerLayer<DepthwiseConv2DLayer>({
  type: 'depthwiseconv2d',
  build: (l, ctx) => withAnyStrides(tf.layers.depthwiseConv2d({
    ...inputShapeArg(ctx), name: ctx.name, kernelSize: [...l.kernel], strides: [...l.strides], padding: l.padding,
    depthMultiplier: l.depthMultiplier, activation: l.activation, useBias: l.useBias,
    depthwiseInitializer: 'zeros', biasInitializer: 'zeros',
  }), l, false),
  initWeight: glorotFor('depthwise_kernel'),
  native: {
    logits: true,
    pass: (l, layer, plan) => chain(
      depthwisePass(variableOf(layer, 0), l.useBias ? variableOf(layer, 1) : null, l.strides, l.padding),
      activationPass(l.activation, plan.logits),
    ),
  },
  onednnHazard: depthwiseHazard,
  inspect: { featureMaps: true, filters: false },
});
