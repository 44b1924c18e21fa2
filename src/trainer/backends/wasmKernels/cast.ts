/**
 * `Cast` for the wasm backend without a copy when the dtype does not change. tfjs casts to the
 * dtype a tensor already has all along the way (the ReLU gradient is `dy · cast(step(x),
 * 'float32')`, one full-size copy per ReLU layer and step), and the shipped kernel always copies.
 * Same-dtype casts share the input's buffer like `Identity` (./identity). A cast to bool is x ≠ 0
 * here, as on the cpu backend: the shipped kernel truncates each value into a byte (−2.7 became
 * 254, 0.4 became 0). Other conversions go to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM } from './composer';
import { identityWasm } from './identity';

export function castConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  if (shipped === undefined) throw new Error('wasm Cast: the shipped kernel is missing');
  return {
    kernelName: tf.Cast,
    backendName: WASM,
    kernelFunc: (args) => {
      const x = args.inputs.x;
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (x === undefined || x.dtype === 'string' || x.dtype === 'complex64' || dtype === 'string' || dtype === 'complex64') {
        return shipped.kernelFunc(args);
      }
      if (x.dtype === dtype) return identityWasm(args);
      if (dtype !== 'bool') return shipped.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const out = backend.makeOutput([...x.shape], 'bool');
      // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    },
    ...(shipped.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
