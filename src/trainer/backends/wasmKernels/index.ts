/**
 * Gradient kernels the wasm backend of tfjs 4.22 lacks or runs slowly, composed from its fast
 * (XNNPACK) kernels or written against its heap. Training every layer of the model language on
 * wasm needs `Conv2DBackpropFilter` and the two depthwise gradients (found by training each layer
 * type, activation and optimizer and catching "kernel not registered"). `Conv2DBackpropInput`, `MaxPoolGrad`, and
 * `Sum` and `Mean` over leading axes (bias gradients, batch-norm moments) are replaced because
 * the shipped ones dominated a training step (bench/wasm.ts measures each). `AvgPoolGrad` is
 * replaced because the shipped one is wrong for `same` padding (see ./avgPoolGrad). Not gradients
 * but as much a part of a training step: `BatchMatMul` with a transposed operand (a dense layer's
 * backward pass; the shipped kernel's scalar loop was a third of a CIFAR step), `Transpose`
 * (blocked loops), and `Identity` and same-dtype `Cast` without a copy.
 */
import * as tf from '@tensorflow/tfjs';
import { avgPoolGradConfig } from './avgPoolGrad';
import { batchMatMulConfig } from './batchMatMul';
import { castConfig } from './cast';
import { WASM } from './composer';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput';
import { depthwiseFilterGradConfig, depthwiseInputGradConfig } from './depthwiseConv2dGrad';
import { identityConfig } from './identity';
import { maxPoolGradConfig } from './maxPoolGrad';
import { meanConfig, sumConfig } from './reduce';
import { transposeConfig } from './transpose';

/** Marks kernel functions registered here, also across module copies (src and bundle). */
const OURS = Symbol.for('cnnLab.wasmGradientKernel');
/** On our kernel functions: the kernel config they replaced, if any. */
const SHIPPED = Symbol.for('cnnLab.wasmShippedKernel');

type Tagged = tf.KernelFunc & { [OURS]?: true; [SHIPPED]?: tf.KernelConfig };

const REPLACEMENTS: readonly { name: string; make: (shipped: tf.KernelConfig | undefined) => tf.KernelConfig; onlyIfMissing: boolean }[] = [
  // A future tfjs that ships its own filter gradient keeps it.
  { name: tf.Conv2DBackpropFilter, make: () => conv2dBackpropFilterConfig, onlyIfMissing: true },
  { name: tf.DepthwiseConv2dNativeBackpropFilter, make: () => depthwiseFilterGradConfig, onlyIfMissing: true },
  { name: tf.DepthwiseConv2dNativeBackpropInput, make: () => depthwiseInputGradConfig, onlyIfMissing: true },
  { name: tf.Conv2DBackpropInput, make: conv2dBackpropInputConfig, onlyIfMissing: false },
  { name: tf.MaxPoolGrad, make: maxPoolGradConfig, onlyIfMissing: false },
  { name: tf.AvgPoolGrad, make: avgPoolGradConfig, onlyIfMissing: false },
  { name: tf.Sum, make: sumConfig, onlyIfMissing: false },
  { name: tf.Mean, make: meanConfig, onlyIfMissing: false },
  { name: tf.BatchMatMul, make: batchMatMulConfig, onlyIfMissing: false },
  { name: tf.Identity, make: identityConfig, onlyIfMissing: false },
  { name: tf.Transpose, make: transposeConfig, onlyIfMissing: false },
  { name: tf.Cast, make: castConfig, onlyIfMissing: false },
];

function current(name: string): tf.KernelConfig | undefined {
  return tf.getKernel(name, WASM);
}

function isOurs(name: string): boolean {
  const k = current(name);
  return k !== undefined && (k.kernelFunc as Tagged)[OURS] === true;
}

/**
 * Registers the kernels for the `wasm` backend (idempotent: a second call changes nothing).
 * Returns the names of the kernels this module provides, sorted. Import
 * `@tensorflow/tfjs-backend-wasm` first, so the shipped kernels are registered and serve as
 * fallbacks; registering before or after the backend initialises both work (kernels are looked
 * up per call, and the shipped kernels' setup functions are kept).
 */
export function registerWasmGradientKernels(): string[] {
  for (const r of REPLACEMENTS) {
    if (isOurs(r.name)) continue;
    const shipped = current(r.name);
    if (shipped !== undefined && r.onlyIfMissing) continue;
    const config = r.make(shipped);
    const func = config.kernelFunc as Tagged;
    Object.defineProperty(func, OURS, { value: true });
    if (shipped !== undefined) {
      Object.defineProperty(func, SHIPPED, { value: shipped });
      tf.unregisterKernel(r.name, WASM);
    }
    tf.registerKernel(config);
  }
  return REPLACEMENTS.map((r) => r.name).filter(isOurs).sort();
}

/**
 * The kernel tfjs-backend-wasm ships under `name`, if ours replaced it; for benchmarks and tests
 * that compare the two.
 */
export function shippedWasmKernel(name: string): tf.KernelConfig | undefined {
  const k = current(name);
  return k === undefined ? undefined : (k.kernelFunc as Tagged)[SHIPPED];
}
