/**
 * The trainer's layer registry: one module per layer type of the model language, keyed by the
 * core's `LayerType`, so a layer type without its trainer module fails to compile. The model
 * builder (../model.ts), the direct step (../nativeStep.ts), the oneDNN choice
 * (../backends/tensorflow.ts) and the dashboard's inspection (../inspect.ts) read it; none of them
 * lists layer types of its own.
 */
import type { LayerSpec, LayerType } from '../../core/index';
import { activation } from './activation';
import { avgpool2d } from './avgpool2d';
import { batchnorm } from './batchnorm';
import { conv2d } from './conv2d';
import type { TrainerLayer } from './def';
import { dense } from './dense';
import { depthwiseconv2d } from './depthwiseconv2d';
import { dropout } from './dropout';
import { elu } from './elu';
import { flatten } from './flatten';
import { gelu } from './gelu';
import { globalavgpool2d } from './globalavgpool2d';
import { globalmaxpool2d } from './globalmaxpool2d';
import { leakyrelu } from './leakyrelu';
import { maxpool2d } from './maxpool2d';
import { separableconv2d } from './separableconv2d';
import { spatialdropout2d } from './spatialdropout2d';
import { swish } from './swish';
import { zeropadding2d } from './zeropadding2d';

const LAYERS = {
  conv2d, maxpool2d, avgpool2d, globalavgpool2d, flatten, dense, dropout, batchnorm, activation,
  separableconv2d, depthwiseconv2d, globalmaxpool2d, zeropadding2d, spatialdropout2d, leakyrelu, elu, gelu, swish,
} as const satisfies { readonly [T in LayerType]: TrainerLayer<Extract<LayerSpec, { type: T }>> };

/** The trainer module of a layer's type; call its functions only with that layer. */
export function trainerLayerOf(l: LayerSpec): TrainerLayer<LayerSpec> {
  return LAYERS[l.type];
}

export type { BuildContext, Gradients, LayerInspection, NativeForward, NativePass, NativeSupport, PlanContext, StepContext, TrainerLayer } from './def';
export { SeededDropout } from './dropout';
export { SpatialDropout2D } from './spatialdropout2d';
