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
 */
import * as tf from '@tensorflow/tfjs';
import { compose, pair, WASM } from './composer';

export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
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

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2dBackpropFilterWasm,
};
