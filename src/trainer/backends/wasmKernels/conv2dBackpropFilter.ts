/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without it (so conv nets cannot train).
 *
 * The filter gradient dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[b,oh,ow,co]
 * is itself a convolution: treat the input channels as the batch and the batch as the channels,
 *   xT = x transposed to [ci, h, w, b],  dyT = dy transposed to [oh, ow, b, co] (used as a filter),
 *   conv2d(xT, dyT, stride 1, dilation s, the forward padding) = [ci, kh', kw', co] → transpose.
 * That runs on XNNPACK's convolution (the fast path of the wasm backend) instead of a JS loop:
 * about 20 ms for the second conv of the Keras MNIST net at batch 128, where the cpu backend's
 * kernel takes seconds (see bench/wasm.ts).
 *
 * With few input channels (the first layer: 1 for MNIST, 3 for RGB) that convolution has only
 * ci·kh·kw output pixels and runs far below XNNPACK's speed (28 ms for 25 M multiply-adds on the
 * Keras MNIST net). There, with stride 1, the product is written out instead: the kh·kw shifted
 * copies of x (channels first) stacked as the rows of colsᵀ [kh·kw·ci, b·oh·ow] (one JS loop, faster
 * than wasm's Slice and Concat), and dW = colsᵀ · dy[b·oh·ow, co] as one matrix product on
 * XNNPACK's fully-connected operator (8 ms at 2 threads). With more channels both ways take about
 * as long (the copy of colsᵀ against packing dy as a filter), and the convolution needs no copy.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { compose, pair, WASM } from './composer';

/** Up to this many input channels the stride-1 filter gradient is one explicit matrix product. */
const IM2COL_MAX_CHANNELS = 4;

/**
 * `way`: 'auto' takes the product for stride 1 and at most IM2COL_MAX_CHANNELS input channels,
 * else the convolution; tests and bench/wasm.ts ask for one ('product' needs stride 1).
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}, way: 'auto' | 'conv' | 'product' = 'auto'): tf.TensorInfo {
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter needs float32');
  const [kh, kw, ci, co] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = pair(attrs.strides);
  const p = info.padInfo;
  if (way === 'product' && (sh !== 1 || sw !== 1)) throw new Error('Conv2DBackpropFilter as one product needs stride 1');
  if (way === 'product' || (way === 'auto' && sh === 1 && sw === 1 && ci <= IM2COL_MAX_CHANNELS)) {
    return compose(args.backend as tf.KernelBackend, (c) => {
      const [b] = x.shape as [number, number, number, number];
      const { outHeight: oh, outWidth: ow } = info;
      const n = b * oh * ow;
      const xp = c.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
      const [, hp, wp] = xp.shape as [number, number, number, number];
      // Channels first ([ci, b, hp, wp]), so that each row of colsᵀ is copied from whole rows.
      const xpT = ci === 1 ? c.reshape(xp, [1, b, hp, wp]) : c.transpose(xp, [3, 0, 1, 2]);
      const colsT = c.output([kh * kw * ci, n], 'float32');
      const backend = args.backend as BackendWasm;
      // Views after the allocation above: allocating may grow (and so detach) the wasm memory.
      shiftedRows(backend.typedArrayFromHeap(xpT) as Float32Array, [ci, b, hp, wp], kh, kw, oh, ow, backend.typedArrayFromHeap(colsT) as Float32Array);
      const product = c.run(tf.BatchMatMul, { a: c.reshape(colsT, [1, kh * kw * ci, n]), b: c.reshape(dy, [1, n, co]) }, { transposeA: false, transposeB: false });
      return c.reshape(product, [kh, kw, ci, co]);
    });
  }
  return compose(args.backend as tf.KernelBackend, (c) => {
    const xT = c.transpose(x, [3, 1, 2, 0]);
    const dyT = c.transpose(dy, [1, 2, 0, 3]);
    const full = c.run(tf.Conv2D, { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    });
    // With `valid` padding and a stride that does not divide the input, the last rows and
    // columns of x are never read by the forward pass; they land outside [kh, kw] here.
    const dwT = c.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
    return c.transpose(dwT, [1, 2, 0, 3]);
  });
}

/**
 * colsᵀ of the filter gradient: row (i, j, c) holds x[c, b, oh + i, ow + j] for every (b, oh, ow),
 * from xT = x channels first, [ci, b, hp, wp] (padded).
 */
function shiftedRows(xT: Float32Array, shape: readonly [number, number, number, number], kh: number, kw: number, oh: number, ow: number, out: Float32Array): void {
  const [ci, b, hp, wp] = shape;
  let o = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let ch = 0; ch < ci; ch++) {
        for (let n = 0; n < b; n++) {
          const plane = ((ch * b + n) * hp + i) * wp + j;
          for (let r = 0; r < oh; r++) {
            const src = plane + r * wp;
            for (let q = 0; q < ow; q++) out[o++] = xT[src + q] as number;
          }
        }
      }
    }
  }
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: (args) => conv2dBackpropFilterWasm(args),
};
