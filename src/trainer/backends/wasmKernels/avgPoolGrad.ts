/**
 * A correct `AvgPoolGrad` for the wasm backend. The forward `AvgPool` (XNNPACK) averages only the
 * real input cells of a border window under `same` padding, as TF and Keras do, but the shipped
 * C++ gradient of tfjs-backend-wasm 4.22 divides every window's dy by the full pool area, like
 * tfjs-backend-cpu's: border cells got too small a gradient (relative error 0.5–0.75 on 5×5 and
 * 7×7 inputs). This one runs the cpu backend's corrected loop (`avgPoolGradNhwc`) directly on the
 * wasm heap, so both fallback backends share one definition of the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { avgPoolGradNhwc } from '../cpuKernels';
import { WASM } from './composer';

function avgPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, input } = args.inputs;
  if (dy === undefined || input === undefined) throw new Error('AvgPoolGrad needs dy and input');
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('AvgPoolGrad needs float32');
  const attrs = args.attrs as unknown as tf.AvgPoolGradAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const backend = args.backend as BackendWasm;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.makeOutput([...input.shape], 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  avgPoolGradNhwc(g, info, dx);
  return out;
}

export function avgPoolGradConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.AvgPoolGrad,
    backendName: WASM,
    kernelFunc: avgPoolGradWasm,
    // Keep the shipped kernel's setup (it binds a wasm function) so the backend initialises
    // exactly as before.
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
