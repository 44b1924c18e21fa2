/**
 * What the depthwise convolutions share (each type has its own module: `depthwiseconv2d.ts`,
 * `separableconv2d.ts`): a depthwise step slides `depthMultiplier` kernels over each input channel
 * on its own, giving `channels × depthMultiplier` maps.
 */
import type { Pair, Padding } from '../../shared/modelSpec';
import type { Locale } from '../messages';
import type { ShapeError } from './def';
import { channelsOf, needsSpatial, slideWindow } from './geometry';

export interface DepthwiseGeometry {
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly depthMultiplier: number;
}

/** Output grid, depthwise channels (input channels × multiplier) and the depthwise step's weights and MACs. */
export function depthwiseStep(
  type: string, l: DepthwiseGeometry, input: readonly number[], locale: Locale,
): { h: number; w: number; channels: number; weights: number; macs: number } | ShapeError {
  const e = needsSpatial(type, input, locale);
  if (e) return e;
  const r = slideWindow(type, input, l.kernel, l.strides, l.padding, 'kernel', true, locale);
  if ('code' in r) return r;
  const channels = channelsOf(input) * l.depthMultiplier;
  const weights = l.kernel[0] * l.kernel[1] * channels;
  return { h: r.h, w: r.w, channels, weights, macs: r.h * r.w * weights };
}
