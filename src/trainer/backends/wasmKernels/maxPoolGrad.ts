/**
 * A faster `MaxPoolGrad` for the wasm backend. The shipped C++ kernel was the largest single cost
 * of a training step of the Keras MNIST net (about a quarter of it). This one runs in JS directly
 * on the wasm heap: one pass over each pooling window with the channels innermost (contiguous in
 * NHWC), remembering per channel the first position holding the maximum, then a scatter of dy
 * onto those positions. That is the rule of the cpu and shipped kernels: ties go to the first
 * maximum in row-major window order, and overlapping windows add up.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM } from './composer';

export function maxPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, input } = args.inputs;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs dy and input');
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('MaxPoolGrad needs float32');
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const backend = args.backend as BackendWasm;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: ch, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;

  const out = backend.makeOutput([...input.shape], 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    const bOff = b * inH * inW * ch;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = Math.max(0, oy * sh - top);
      const r1 = Math.min(inH, oy * sh - top + fh);
      for (let ox = 0; ox < outW; ox++) {
        const c0 = Math.max(0, ox * sw - left);
        const c1 = Math.min(inW, ox * sw - left + fw);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let q = c0; q < c1; q++) {
            const off = bOff + (r * inW + q) * ch;
            for (let d = 0; d < ch; d++) {
              const v = x[off + d] as number;
              if (v > (best[d] as number)) { best[d] = v; at[d] = off + d; }
            }
          }
        }
        const gOff = ((b * outH + oy) * outW + ox) * ch;
        for (let d = 0; d < ch; d++) {
          const i = at[d] as number;
          if (i >= 0) dx[i] = (dx[i] as number) + (g[gOff + d] as number);
        }
      }
    }
  }
  return out;
}

export function maxPoolGradConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: WASM,
    kernelFunc: maxPoolGradWasm,
    // Keep the shipped kernel's setup (it binds a wasm function) so the backend initialises
    // exactly as before.
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
