/**
 * Keras's arithmetic shared by the layer definitions (conv_utils.conv_output_length):
 * `valid` → floor((in − k) / s) + 1; `same` → ceil(in / s), for convolutions and pooling alike.
 */
import type { Pair, Padding } from '../../shared/modelSpec';
import { t } from '../messages';
import type { Locale } from '../messages';
import type { LayerShapeResult, ShapeError } from './def';

/** `28×28×32` (or `3136` for a vector). */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

function windowOut(size: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** ` = 3·3·1·32 weights + 32 biases` (or without biases), in `locale`: a `paramFormula`'s text. */
export function weightsFormula(locale: Locale, weights: readonly number[], biases: number | null): string {
  const w = weights.join('·');
  return biases === null ? t(locale, 'hover.weights', { weights: w }) : t(locale, 'hover.weightsBiases', { weights: w, biases });
}

export function ok(outputShape: readonly number[], trainableParams: number, macs: number, nonTrainableParams = 0): LayerShapeResult {
  return { ok: true, value: { outputShape, trainableParams, nonTrainableParams, macs } };
}

export function fail(error: ShapeError): LayerShapeResult {
  return { ok: false, error };
}

function describeInput(shape: readonly number[], locale: Locale): string {
  return shape.length === 1 ? t(locale, 'shape.flatVector', { size: shape[0] ?? 0 }) : t(locale, 'shape.tensor', { shape: formatShape(shape) });
}

/** The error for a layer that needs feature maps, or null when `input` is height × width × channels. */
export function needsSpatial(type: string, input: readonly number[], locale: Locale): ShapeError | null {
  if (input.length === 3) return null;
  return { code: 'shape-mismatch', message: t(locale, 'shape.spatial', { type, input: describeInput(input, locale) }), key: null };
}

/** The last dimension (channels of feature maps, length of a vector). */
export function channelsOf(input: readonly number[]): number {
  return input[input.length - 1] ?? 0;
}

/**
 * Output height and width of a window slid over `input`, or the error at `key` when nothing fits:
 * a kernel (`learned` true) that does not fit is a mismatch, a pooling window an empty output.
 */
export function slideWindow(
  type: string, input: readonly number[], win: Pair, strides: Pair, padding: Padding, key: string, learned: boolean, locale: Locale,
): { h: number; w: number } | ShapeError {
  const [ih, iw] = [input[0] ?? 0, input[1] ?? 0];
  const h = windowOut(ih, win[0], strides[0], padding);
  const w = windowOut(iw, win[1], strides[1], padding);
  if (h >= 1 && w >= 1) return { h, w };
  if (learned) {
    return { code: 'shape-mismatch', key, message: t(locale, 'shape.convNoFit', { what: key, window: formatShape(win), input: formatShape(input), padding }) };
  }
  return {
    code: 'shape-zero', key,
    message: t(locale, 'shape.zero', {
      type, what: key, window: formatShape(win), input: formatShape(input), height: Math.max(0, h), width: Math.max(0, w), padding,
    }),
  };
}
