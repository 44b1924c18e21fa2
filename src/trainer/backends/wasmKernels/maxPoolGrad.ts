/**
 * A faster `MaxPoolGrad` for the wasm backend. The shipped C++ kernel was the largest single cost
 * of a training step of the Keras MNIST net (about a quarter of it). This one runs the cpu
 * backend's loop (`maxPoolGradNhwc`: one pass over each pooling window with the channels
 * innermost) directly on the wasm heap. That is the rule of the cpu and shipped kernels: ties go
 * to the first maximum in row-major window order, and overlapping windows add up.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradNhwc } from '../cpuKernels';
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
  const out = backend.makeOutput([...input.shape], 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  maxPoolGradNhwc(x, g, info, dx);
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
