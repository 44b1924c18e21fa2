/**
 * A faster `MaxPoolGrad` for the wasm backend. The shipped C++ kernel was the largest single cost
 * of a training step of the Keras MNIST net (about a quarter of it). This one works directly on
 * the wasm heap, by the rule of the cpu and shipped kernels: each window's dy goes to its first
 * maximum in row-major window order (NaN and −∞ never count as a maximum), and overlapping windows
 * add up. Windows that do not overlap (stride ≥ pool size: every pooling layer of the course
 * models) take a loop written for them, 1.7× faster than the cpu backend's general one
 * (`maxPoolGradNhwc`), which serves overlapping windows.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradNhwc } from '../cpuKernels';
import { WASM } from './composer';

/** `loop`: 'general' always runs the cpu backend's loop (tests and bench/wasm.ts compare). */
export function maxPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}, loop: 'auto' | 'general' = 'auto'): tf.TensorInfo {
  const { dy, input } = args.inputs;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs dy and input');
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('MaxPoolGrad needs float32');
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const backend = args.backend as BackendWasm;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.makeOutput([...input.shape], 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  if (loop === 'auto' && info.strideHeight >= info.filterHeight && info.strideWidth >= info.filterWidth) disjointMaxPoolGrad(x, g, info, dx);
  else maxPoolGradNhwc(x, g, info, dx);
  return out;
}

/**
 * MaxPoolGrad for windows that do not overlap: per window and channel, the first maximum gets the
 * window's dy (nothing else in the window can). Monomorphic on Float32Array, with the 2×2 window
 * unrolled.
 */
function disjointMaxPoolGrad(x: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: c, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const row = inW * c;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    const bOff = b * inH * row;
    for (let yR = 0; yR < outH; yR++) {
      const r0 = Math.max(0, yR * sh - top);
      const r1 = Math.min(inH, yR * sh - top + fh);
      for (let yC = 0; yC < outW; yC++) {
        const c0 = Math.max(0, yC * sw - left);
        const c1 = Math.min(inW, yC * sw - left + fw);
        const dyOff = ((b * outH + yR) * outW + yC) * c;
        const p0 = bOff + r0 * row + c0 * c;
        if (r1 - r0 === 2 && c1 - c0 === 2) {
          const p1 = p0 + c;
          const p2 = p0 + row;
          const p3 = p2 + c;
          for (let d = 0; d < c; d++) {
            let best = -Infinity;
            let at = -1;
            let v = x[p0 + d] as number;
            if (v > best) { best = v; at = p0 + d; }
            v = x[p1 + d] as number;
            if (v > best) { best = v; at = p1 + d; }
            v = x[p2 + d] as number;
            if (v > best) { best = v; at = p2 + d; }
            v = x[p3 + d] as number;
            if (v > best) at = p3 + d;
            if (at >= 0) dx[at] = dy[dyOff + d] as number;
          }
        } else {
          for (let d = 0; d < c; d++) {
            let best = -Infinity;
            let at = -1;
            for (let r = r0; r < r1; r++) {
              const rowOff = bOff + r * row + d;
              for (let q = c0; q < c1; q++) {
                const i = rowOff + q * c;
                const v = x[i] as number;
                if (v > best) { best = v; at = i; }
              }
            }
            if (at >= 0) dx[at] = dy[dyOff + d] as number;
          }
        }
      }
    }
  }
}

export function maxPoolGradConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: WASM,
    kernelFunc: (args) => maxPoolGradWasm(args),
    // Keep the shipped kernel's setup (it binds a wasm function) so the backend initialises
    // exactly as before.
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
