/**
 * Faster `Conv2DBackpropFilter` and `MaxPoolGrad` kernels for the pure-JS cpu backend.
 *
 * tfjs-backend-cpu 4.22 computes the filter gradient with a `TensorBuffer.get(b, r, c, d)` call
 * (rest arguments, index arithmetic, bounds logic) per multiply: on the MNIST test net it took
 * 1.15 s of a 1.4 s step at batch 32. This version walks the NHWC arrays directly, with the output
 * channel innermost (contiguous in both dy and dW), skips zero inputs (common after ReLU) and
 * accumulates in float64 like the original's `dotProd`. Same maths, same result up to float
 * rounding order; NCHW (never produced by tfjs-layers) still goes to the original kernel.
 * `MaxPoolGrad` has the same per-element `get` pattern (34 ms of the step); here it is a scatter
 * of dy onto the first maximum of each window, the tie rule of the original.
 *
 * `AvgPoolGrad` is replaced for correctness, not speed. With `same` padding the forward pass (here
 * and in TF/Keras) averages only the real input cells of a border window, but tfjs-backend-cpu
 * 4.22's gradient divides every window's dy by the full pool area (`1 / (filterHeight *
 * filterWidth)`), so border cells got too small a gradient (relative error 0.5–0.75 on 5×5 and
 * 7×7 inputs). Here each window's dy is spread evenly over the cells it actually averaged.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];

interface CpuBackendLike {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

interface PoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

let original: KernelFunc | null = null;
let originalMaxPoolGrad: KernelFunc | null = null;
let originalAvgPoolGrad: KernelFunc | null = null;

/** dW[wR, wC, d1, d2] = Σ_b Σ_yR Σ_yC x[b, xR, xC, d1] · dy[b, yR, yC, d2] for NHWC data. */
function conv2dBackpropFilterNhwc(
  x: ArrayLike<number>, xShape: readonly [number, number, number, number],
  dy: ArrayLike<number>, info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, inChannels: inC, outChannels: outC } = info;
  const [batch, inH, inW] = xShape;
  const outH = info.outHeight;
  const outW = info.outWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(fh * fw * inC * outC);
  for (let b = 0; b < batch; b++) {
    for (let yR = 0; yR < outH; yR++) {
      for (let yC = 0; yC < outW; yC++) {
        const dyOff = ((b * outH + yR) * outW + yC) * outC;
        for (let wR = 0; wR < fh; wR++) {
          const xR = yR * sh + wR - top;
          if (xR < 0 || xR >= inH) continue;
          for (let wC = 0; wC < fw; wC++) {
            const xC = yC * sw + wC - left;
            if (xC < 0 || xC >= inW) continue;
            const xOff = ((b * inH + xR) * inW + xC) * inC;
            const wBase = (wR * fw + wC) * inC;
            for (let d1 = 0; d1 < inC; d1++) {
              const xv = x[xOff + d1] as number;
              if (xv === 0) continue;
              const wOff = (wBase + d1) * outC;
              for (let d2 = 0; d2 < outC; d2++) acc[wOff + d2] = (acc[wOff + d2] as number) + xv * (dy[dyOff + d2] as number);
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

const fastKernel: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as {
    inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: CpuBackendLike; attrs: BackpropFilterAttrs;
  };
  const { x, dy } = inputs;
  if (attrs.dataFormat === 'NCHW' && original) return original(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const out = conv2dBackpropFilterNhwc(
    backend.data.get(x.dataId).values, x.shape as [number, number, number, number],
    backend.data.get(dy.dataId).values, info);
  return backend.makeTensorInfo(info.filterShape, 'float32', out);
};

/**
 * dx of max pooling (NHWC): each window's dy goes to the first position (row-major window order)
 * holding its maximum; overlapping windows add up. One pass over each window with the channels
 * innermost (contiguous in NHWC), remembering per channel where the maximum is, then a scatter of
 * dy onto those positions. Written into `out` when given (the wasm kernel passes its heap view).
 */
export function maxPoolGradNhwc(
  x: ArrayLike<number>, dy: ArrayLike<number>, info: tf.backend_util.Conv2DInfo, out?: Float32Array,
): Float32Array {
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: c, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = out ?? new Float32Array(batchSize * inH * inW * c);
  dx.fill(0);
  // Float64, so the comparison is exact whatever precision x holds.
  const best = new Float64Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const bOff = b * inH * inW * c;
    for (let yR = 0; yR < outH; yR++) {
      const r0 = Math.max(0, yR * sh - top);
      const r1 = Math.min(inH, yR * sh - top + fh);
      for (let yC = 0; yC < outW; yC++) {
        const c0 = Math.max(0, yC * sw - left);
        const c1 = Math.min(inW, yC * sw - left + fw);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let q = c0; q < c1; q++) {
            const xOff = bOff + (r * inW + q) * c;
            for (let d = 0; d < c; d++) {
              const v = x[xOff + d] as number;
              if (v > (best[d] as number)) { best[d] = v; at[d] = xOff + d; }
            }
          }
        }
        const dyOff = ((b * outH + yR) * outW + yC) * c;
        for (let d = 0; d < c; d++) {
          const i = at[d] as number;
          if (i >= 0) dx[i] = (dx[i] as number) + (dy[dyOff + d] as number);
        }
      }
    }
  }
  return dx;
}

const fastMaxPoolGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as {
    inputs: { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo }; backend: CpuBackendLike; attrs: PoolGradAttrs;
  };
  const info = tf.backend_util.computePool2DInfo(
    inputs.input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const dx = maxPoolGradNhwc(backend.data.get(inputs.input.dataId).values, backend.data.get(inputs.dy.dataId).values, info);
  return backend.makeTensorInfo([...inputs.input.shape], 'float32', dx);
};

/**
 * dx of average pooling (NHWC), the transpose of a forward pass that divides each window by the
 * number of real (non-padding) cells in it: dy of a window, divided by that count, is added to
 * each of those cells. Overlapping windows add up. Matches TF's AvgPoolGrad for `same` and `valid`.
 */
export function avgPoolGradNhwc(dy: ArrayLike<number>, info: tf.backend_util.Conv2DInfo, out?: Float32Array): Float32Array {
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: c, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = out ?? new Float32Array(batchSize * inH * inW * c);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    const bOff = b * inH * inW * c;
    for (let yR = 0; yR < outH; yR++) {
      const r0 = Math.max(0, yR * sh - top);
      const r1 = Math.min(inH, yR * sh - top + fh);
      for (let yC = 0; yC < outW; yC++) {
        const c0 = Math.max(0, yC * sw - left);
        const c1 = Math.min(inW, yC * sw - left + fw);
        const count = (r1 - r0) * (c1 - c0);
        if (count <= 0) continue;
        const dyOff = ((b * outH + yR) * outW + yC) * c;
        for (let r = r0; r < r1; r++) {
          for (let q = c0; q < c1; q++) {
            const xOff = bOff + (r * inW + q) * c;
            for (let d = 0; d < c; d++) dx[xOff + d] = (dx[xOff + d] as number) + (dy[dyOff + d] as number) / count;
          }
        }
      }
    }
  }
  return dx;
}

const fixedAvgPoolGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as {
    inputs: { dy: tf.TensorInfo; input: tf.TensorInfo }; backend: CpuBackendLike; attrs: PoolGradAttrs;
  };
  const info = tf.backend_util.computePool2DInfo(
    inputs.input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const dx = avgPoolGradNhwc(backend.data.get(inputs.dy.dataId).values, info);
  return backend.makeTensorInfo([...inputs.input.shape], 'float32', dx);
};

function replace(name: string, func: KernelFunc): KernelFunc | null {
  const existing = tf.getKernel(name, 'cpu');
  if (!existing) return null;
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: func });
  return existing.kernelFunc;
}

/** Replaces the cpu backend's Conv2DBackpropFilter, MaxPoolGrad and AvgPoolGrad (idempotent). */
export function registerFastCpuKernels(): void {
  if (original) return;
  original = replace('Conv2DBackpropFilter', fastKernel);
  originalMaxPoolGrad = replace('MaxPoolGrad', fastMaxPoolGrad);
  originalAvgPoolGrad = replace('AvgPoolGrad', fixedAvgPoolGrad);
}

/** The stock kernels (after registerFastCpuKernels), for tests that compare against them. */
export function originalCpuKernels(): {
  conv2dBackpropFilter: KernelFunc | null; maxPoolGrad: KernelFunc | null; avgPoolGrad: KernelFunc | null;
} {
  return { conv2dBackpropFilter: original, maxPoolGrad: originalMaxPoolGrad, avgPoolGrad: originalAvgPoolGrad };
}
