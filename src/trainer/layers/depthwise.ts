/**
 * What the depthwise convolutions share (each type has its own module: `depthwiseconv2d.ts`,
 * `separableconv2d.ts`): their oneDNN hazards, their unequal strides on libtensorflow, and the
 * depthwise step on the direct step (`DepthwiseConv2dNative` and its two backprop ops).
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, Pair, Padding } from '../../shared/modelSpec';
import { tfPadding } from '../nativeOps';
import type { NativePass } from './def';

interface DepthwiseFields { readonly kernel: Pair; readonly strides: Pair; readonly depthMultiplier: number }

/**
 * conv2d's oneDNN hazards (its module says why) in their depthwise form: a depthwise step over 1
 * channel with multiplier 1 is a 1→1 convolution, and a 1×1 depthwise kernel with a stride skips
 * pixels as conv2d's does; libtensorflow runs both on oneDNN's convolution primitives. (Neither
 * reproduces on the machines the gradient check ran on, nor does conv2d's 1→1 case there; kept
 * for the CPUs where conv2d's does.)
 */
export function depthwiseHazard(l: DepthwiseFields, input: readonly number[]): string | null {
  if (input[2] === 1 && l.depthMultiplier === 1) return 'a depthwise convolution of 1 channel with depth multiplier 1';
  if (l.kernel.some((k, i) => k === 1 && (l.strides[i] ?? 1) > 1)) return 'a 1×1 depthwise kernel with a stride above 1';
  return null;
}

/** TensorFlow's padding before and after for one dimension (`same`: out = ceil(in / s)). */
function padsFor(size: number, k: number, s: number, padding: Padding): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** Every `sh`-th row and `sw`-th column from the first: `outH` × `outW` of them. */
function subsample(y: tf.Tensor4D, sh: number, sw: number, outH: number, outW: number): tf.Tensor4D {
  const [b, h, w, c] = y.shape;
  const padded = tf.pad(y, [[0, 0], [0, Math.max(0, outH * sh - h)], [0, Math.max(0, outW * sw - w)], [0, 0]]);
  const blocks = tf.reshape(tf.slice(padded, [0, 0, 0, 0], [b, outH * sh, outW * sw, c]), [b, outH, sh, outW, sw, c]);
  return tf.reshape(tf.slice(blocks, [0, 0, 0, 0, 0, 0], [b, outH, 1, outW, 1, c]), [b, outH, outW, c]);
}

/**
 * A depthwise convolution for any strides. libtensorflow's `DepthwiseConv2dNative` without oneDNN
 * takes only equal row and column strides ("Current implementation only supports equal length
 * strides in the row and column dimensions"; Keras on TensorFlow has the same limit). `composed`
 * (default: strides differ on the tensorflow backend): the step runs with stride 1 on the input
 * padded as TensorFlow pads it for the real strides, and every sh-th row and sw-th column is
 * kept: the same values, and through tfjs's gradients of pad, slice and reshape the same
 * gradients, for sh·sw times the work of that one layer.
 */
export function depthwiseConv(
  x: tf.Tensor4D, w: tf.Tensor4D, strides: Pair, padding: Padding,
  composed = strides[0] !== strides[1] && tf.getBackend() === 'tensorflow',
): tf.Tensor4D {
  if (!composed) return tf.depthwiseConv2d(x, w, [strides[0], strides[1]], padding);
  return tf.tidy(() => {
    const [, h, wd] = x.shape;
    const [kh, kw] = w.shape;
    const rows = padsFor(h, kh, strides[0], padding);
    const cols = padsFor(wd, kw, strides[1], padding);
    const xp = tf.pad(x, [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]]);
    return subsample(tf.depthwiseConv2d(xp, w, 1, 'valid'), strides[0], strides[1], rows.out, cols.out);
  });
}

interface ReadableWeight { read(): tf.Tensor }

/**
 * For unequal strides, replaces the built tfjs layer's `call` (tfjs's DepthwiseConv2D or
 * SeparableConv2D: its class, config and weights stay, so the saved topology is Keras's) with the
 * same computation over `depthwiseConv`: depthwise kernel, then the pointwise kernel when
 * `pointwise`, bias, activation. Equal strides keep tfjs's own `call`.
 */
export function withAnyStrides<L extends tf.layers.Layer>(
  layer: L, l: DepthwiseFields & { readonly padding: Padding; readonly activation: Activation; readonly useBias: boolean }, pointwise: boolean,
): L {
  if (l.strides[0] === l.strides[1]) return layer;
  const act = l.activation === 'linear' ? null : tf.layers.activation({ activation: l.activation });
  const weight = (k: number): tf.Tensor => (layer.weights[k] as unknown as ReadableWeight).read();
  Object.defineProperty(layer, 'call', {
    value: (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = depthwiseConv(x, weight(0) as tf.Tensor4D, l.strides, l.padding);
      let next = 1;
      if (pointwise) y = tf.conv2d(y as tf.Tensor4D, weight(next++) as tf.Tensor4D, 1, 'valid');
      if (l.useBias) y = tf.add(y, weight(next));
      return act ? (act.apply(y) as tf.Tensor) : y;
    }),
  });
  return layer;
}

/**
 * The depthwise step on the direct step, with its bias when `b` (a separable convolution's bias
 * comes after its pointwise step). Unequal strides run as `depthwiseConv` composes them on
 * libtensorflow: `Pad` as TensorFlow pads for the real strides, the step with stride 1 and
 * `valid`, then every sh-th row and sw-th column (`StridedSlice`); backward `StridedSliceGrad`,
 * the stride-1 gradients and a `Slice` off the padding.
 */
export function depthwisePass(w: tf.Variable, b: tf.Variable | null, strides: Pair, padding: Padding): NativePass {
  const wShape = w.shape;
  const composed = strides[0] !== strides[1];
  const tfPad = tfPadding(padding);
  return {
    variables: b ? [w, b] : [w],
    forward: (x, ctx) => {
      const { ops } = ctx;
      let xs = x;
      let y: tf.Tensor;
      let slice: { begin: tf.Tensor; end: tf.Tensor; step: tf.Tensor; full: readonly number[] } | null = null;
      let offset: readonly number[] = [0, 0, 0, 0];
      if (!composed) y = ops.depthwiseConv2d(x, w, strides, tfPad);
      else {
        const [, h = 1, wd = 1] = x.shape;
        const rows = padsFor(h, wShape[0] ?? 1, strides[0], padding);
        const cols = padsFor(wd, wShape[1] ?? 1, strides[1], padding);
        if (rows.before + rows.after + cols.before + cols.after > 0) {
          xs = ops.pad(x, ctx.int32([0, 0, rows.before, rows.after, cols.before, cols.after, 0, 0], [4, 2]));
          offset = [0, rows.before, cols.before, 0];
        }
        const full = ops.depthwiseConv2d(xs, w, [1, 1], 'VALID');
        slice = {
          begin: ctx.int32([0, 0, 0, 0], [4]), end: ctx.int32([...full.shape], [4]), step: ctx.int32([1, strides[0], strides[1], 1], [4]), full: full.shape,
        };
        y = ops.stridedSlice(full, slice.begin, slice.end, slice.step);
      }
      if (b) y = ops.biasAdd(y, b);
      return {
        y,
        backward: (dy, needInput, grads) => {
          if (b) grads.set(b, ops.biasAddGrad(dy));
          const dz = slice ? ops.stridedSliceGrad(ctx.shape(slice.full), slice.begin, slice.end, slice.step, dy) : dy;
          const s: readonly [number, number] = slice ? [1, 1] : strides;
          const p = slice ? 'VALID' : tfPad;
          grads.set(w, ops.depthwiseConv2dBackpropFilter(xs, ctx.shape(wShape), dz, s, p));
          if (!needInput) return null;
          const dxs = ops.depthwiseConv2dBackpropInput(ctx.shape(xs.shape), w, dz, s, p);
          return xs === x ? dxs : ops.slice(dxs, ctx.int32([...offset], [4]), ctx.shape(x.shape));
        },
      };
    },
  };
}
