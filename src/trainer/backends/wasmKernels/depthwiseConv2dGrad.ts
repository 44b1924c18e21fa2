/**
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` for the wasm
 * backend, which ships only the forward depthwise convolution (so depthwiseconv2d and
 * separableconv2d could not train). Plain loops over the wasm heap, as `AvgPoolGrad` here: a
 * depthwise step has a kh·kw-th of a convolution's work, and the loops run over the channels
 * innermost, where the NHWC data is contiguous. Checked against the cpu backend's kernels in
 * test/unit/trainer/layers.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM } from './composer';

type Shape4 = [number, number, number, number];

function info(xShape: Shape4, filterShape: Shape4, attrs: { strides: [number, number] | number; dilations: [number, number] | number; pad: tf.backend_util.ExplicitPadding | 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' }): tf.backend_util.Conv2DInfo {
  const d = attrs.dilations;
  if ((typeof d === 'number' ? d : Math.max(d[0], d[1])) !== 1) throw new Error('wasm depthwise gradients support dilation 1 only');
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
}

/**
 * The two gradients of a depthwise convolution, one walk over the pairs (output position, kernel
 * cell inside the input) they share:
 *  - `filter`: dW[kh, kw, c, m] = Σ over batch and output positions of x[b, oh·s+kh−pt, ow·s+kw−pl, c] · dy[b, oh, ow, c·m′+m],
 *    with `src` = x and `out` = dW;
 *  - `input`: dx[b, ih, iw, c] = Σ over the output positions and kernel cells that read it of dy[b, oh, ow, c·m′+m] · w[kh, kw, c, m],
 *    with `src` = w and `out` = dx.
 * The mode is tested once per kernel cell, so each channel loop stays one multiply-add.
 */
function depthwiseGradNhwc(wrt: 'filter' | 'input', dy: Float32Array, src: Float32Array, ci: tf.backend_util.Conv2DInfo, out: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const mult = outChannels / inChannels;
  const filter = wrt === 'filter';
  out.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * filterWidth + kw) * outChannels;
            if (filter) {
              for (let o = 0; o < outChannels; o++) {
                out[wBase + o] = (out[wBase + o] as number) + (src[xBase + Math.floor(o / mult)] as number) * (dy[dyBase + o] as number);
              }
            } else {
              for (let o = 0; o < outChannels; o++) {
                const i = xBase + Math.floor(o / mult);
                out[i] = (out[i] as number) + (dy[dyBase + o] as number) * (src[wBase + o] as number);
              }
            }
          }
        }
      }
    }
  }
}

function float32(...ts: (tf.TensorInfo | undefined)[]): tf.TensorInfo[] {
  return ts.map((t) => {
    if (t === undefined || t.dtype !== 'float32') throw new Error('wasm depthwise gradients need float32 inputs');
    return t;
  });
}

function depthwiseFilterGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const [x, dy] = float32(args.inputs.x, args.inputs.dy) as [tf.TensorInfo, tf.TensorInfo];
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const backend = args.backend as BackendWasm;
  const ci = info(x.shape as Shape4, attrs.filterShape, attrs);
  const out = backend.makeOutput([...attrs.filterShape], 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
  depthwiseGradNhwc('filter', backend.typedArrayFromHeap(dy) as Float32Array, backend.typedArrayFromHeap(x) as Float32Array, ci, backend.typedArrayFromHeap(out) as Float32Array);
  return out;
}

function depthwiseInputGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const [dy, filter] = float32(args.inputs.dy, args.inputs.filter) as [tf.TensorInfo, tf.TensorInfo];
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const backend = args.backend as BackendWasm;
  const ci = info(attrs.inputShape, filter.shape as Shape4, attrs);
  const out = backend.makeOutput([...attrs.inputShape], 'float32');
  depthwiseGradNhwc('input', backend.typedArrayFromHeap(dy) as Float32Array, backend.typedArrayFromHeap(filter) as Float32Array, ci, backend.typedArrayFromHeap(out) as Float32Array);
  return out;
}

export const depthwiseFilterGradConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: WASM, kernelFunc: depthwiseFilterGradWasm,
};
export const depthwiseInputGradConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: WASM, kernelFunc: depthwiseInputGradWasm,
};
