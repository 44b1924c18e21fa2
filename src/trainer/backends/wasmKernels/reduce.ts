/**
 * Faster `Sum` and `Mean` for the wasm backend when the reduced axes are the leading ones: the
 * bias gradient of a conv layer (dy [b,h,w,c] summed to [c]) and batch normalisation's moments
 * and gradients. The shipped kernels first transpose the reduced axes innermost (a full copy)
 * and then add sequentially. Here it is one XNNPACK matrix product, xᵀ[c,n] · w[n,1] with w all 1
 * (sum) or all 1/n (mean); docs/benchmarks.md (Notes) has the measured difference. Other
 * reductions go to the shipped kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, WASM } from './composer';

/** Below this many elements the shipped kernel is as fast and the product not worth setting up. */
const MIN_ELEMENTS = 4096;

function makeLeadingReduceWasm(kind: 'sum' | 'mean', shipped: tf.KernelFunc | undefined): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Sum needs x');
    const attrs = args.attrs as unknown as tf.SumAttrs | tf.MeanAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const n = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const c = x.shape.slice(axes.length).reduce((a, b) => a * b, 1);
    if (!leading || x.dtype !== 'float32' || n * c < MIN_ELEMENTS || n < 2) {
      if (shipped === undefined) throw new Error(`wasm ${kind}: no kernel for this reduction`);
      return shipped(args);
    }
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return compose(args.backend as tf.KernelBackend, (k) => {
      // x as the left operand: XNNPACK packs the right one on every call (new tensor ids), and
      // packing the small weight vector is cheap where packing x would cost a full copy.
      const weights = k.run(tf.Fill, {}, { shape: [1, n, 1], value: kind === 'sum' ? 1 : 1 / n, dtype: 'float32' });
      const flat = k.reshape(x, [1, n, c]);
      const product = k.run(tf.BatchMatMul, { a: flat, b: weights }, { transposeA: true, transposeB: false });
      return k.reshape(product, outShape);
    });
  };
}

function config(kernelName: string, kind: 'sum' | 'mean', shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName,
    backendName: WASM,
    kernelFunc: makeLeadingReduceWasm(kind, shipped?.kernelFunc),
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}

export const sumConfig = (shipped: tf.KernelConfig | undefined): tf.KernelConfig => config(tf.Sum, 'sum', shipped);
export const meanConfig = (shipped: tf.KernelConfig | undefined): tf.KernelConfig => config(tf.Mean, 'mean', shipped);
