/**
 * `Identity` for the wasm backend without a copy. The shipped kernel copies its input into a new
 * buffer; tfjs-layers and the optimizers call it dozens of times per training step (41 calls, 6–13
 * ms a step on the MNIST nets, bench/wasm.ts), on tensors nobody writes to: tfjs tensors are
 * immutable, and a variable's `assign` swaps its buffer instead of writing into it. Here the output
 * shares the input's buffer, with one more reference on it, as the cpu backend's Identity does.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM } from './composer';

export function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Identity needs x');
  (args.backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identityConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: WASM,
    // Strings live in JS on this backend; the shipped kernel handles them.
    kernelFunc: (args) => (args.inputs.x?.dtype === 'string' && shipped ? shipped.kernelFunc(args) : identityWasm(args)),
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
