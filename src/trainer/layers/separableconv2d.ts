/**
 * `separableconv2d`: Keras `SeparableConv2D`, a depthwise step then a 1×1 (pointwise)
 * convolution; Keras initialises both kernels glorot_uniform, each with its own fans (Keras's
 * `compute_fans` on [kh, kw, in, multiplier] and [1, 1, in·multiplier, filters]), the bias zeros.
 * On the direct step the depthwise step (./depthwise.ts) then the pointwise step as a 1×1 conv2d
 * pass (bias and ReLU fused where conv2d fuses them), then any other activation.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeparableConv2DLayer } from '../../core/index';
import { variableOf } from '../nativeOps';
import { activationPass, chain } from './activations';
import { convPass } from './conv2d';
import { inputShapeArg, trainerLayer } from './def';
import { depthwiseHazard, depthwisePass, withAnyStrides } from './depthwise';
import { glorotFor } from './init';

/**
 * tfjs 4.22's SeparableConv2D leaves `depthMultiplier` out of its config, so a saved model.json
 * reloads (in tfjs, and in Keras) with multiplier 1 and kernels that do not fit; the built layer
 * reports it.
 */
function withDepthMultiplierSaved(layer: tf.layers.Layer, depthMultiplier: number): tf.layers.Layer {
  const config = layer.getConfig.bind(layer);
  Object.defineProperty(layer, 'getConfig', { value: (): tf.serialization.ConfigDict => ({ ...config(), depthMultiplier }) });
  return layer;
}

export const separableconv2d = trainerLayer<SeparableConv2DLayer>({
  type: 'separableconv2d',
  build: (l, ctx) => withDepthMultiplierSaved(withAnyStrides(tf.layers.separableConv2d({
    ...inputShapeArg(ctx), name: ctx.name, filters: l.filters, kernelSize: [...l.kernel], strides: [...l.strides], padding: l.padding,
    depthMultiplier: l.depthMultiplier, activation: l.activation, useBias: l.useBias,
    depthwiseInitializer: 'zeros', pointwiseInitializer: 'zeros', biasInitializer: 'zeros',
  }), l, true), l.depthMultiplier),
  initWeight: glorotFor('depthwise_kernel', 'pointwise_kernel'),
  native: {
    logits: true,
    pass: (l, layer, plan) => {
      // tfjs's weight order: depthwise_kernel, pointwise_kernel, bias.
      const pointwise = (relu: 'none' | 'full'): ReturnType<typeof convPass> =>
        convPass(variableOf(layer, 1), l.useBias ? variableOf(layer, 2) : null, relu, [1, 1], 'VALID', plan);
      const depthwise = depthwisePass(variableOf(layer, 0), null, l.strides, l.padding);
      return l.activation === 'relu'
        ? chain(depthwise, pointwise('full'))
        : chain(depthwise, pointwise('none'), activationPass(l.activation, plan.logits));
    },
  },
  // The depthwise step's hazards, and the pointwise step's as a conv2d's: 1 channel to 1 filter.
  onednnHazard: (l, input) => depthwiseHazard(l, input)
    ?? ((input[2] ?? 0) * l.depthMultiplier === 1 && l.filters === 1 ? 'a pointwise convolution from 1 channel to 1 filter' : null),
  inspect: { featureMaps: true, filters: false },
});
