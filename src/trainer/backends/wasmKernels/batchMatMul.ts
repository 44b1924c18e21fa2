/**
 * `BatchMatMul` for the wasm backend with fast transposed products. The shipped kernel runs
 * XNNPACK's fully-connected operator (SIMD, threaded) only when neither operand is transposed;
 * `transposeA` or `transposeB` falls to a scalar blocked loop, single-threaded, about ten times
 * slower. Those are exactly the two products of a dense layer's backward pass (dx = dy·Wᵀ,
 * dW = xᵀ·dy): 47 ms of a training step of the course MNIST net at batch 128, 31 ms of the CIFAR
 * AlexNet's (bench/wasm.ts). Here the product runs on the fast path, on explicitly transposed
 * operands (a copy, far cheaper than the product): either C = op(A)·op(B), or C = (op(B)ᵀ·op(A)ᵀ)ᵀ,
 * whichever copies fewer elements.
 * Batched products (a leading dimension above 1) and small or vector-shaped ones go to the
 * shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, WASM } from './composer';

/** Below this many multiply-adds the transpose is not worth it. */
const MIN_MACS = 1 << 16;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

function makeBatchMatMulWasm(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs;
    if (a === undefined || b === undefined) throw new Error('BatchMatMul needs a and b');
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return shipped(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 0;
    const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 0;
    const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 0;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || batchA !== 1 || batchB !== 1
      || m < 2 || n < 2 || m * n * k < MIN_MACS || ra < 2 || rb < 2) {
      return shipped(args);
    }
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    // Elements copied (transposes, XNNPACK's packing of the right operand) by each plan:
    // C = op(A)·op(B) directly, or C = (op(B)ᵀ·op(A)ᵀ)ᵀ, where a transposed operand is used as
    // stored. dx = dy·Wᵀ of a wide dense layer costs a copy of W one way and almost nothing the other.
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
    const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + k * m + m * n;
    return compose(args.backend as tf.KernelBackend, (c) => {
      const fc = (left: tf.TensorInfo, right: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo =>
        c.run(tf.BatchMatMul, { a: c.reshape(left, [1, rows, k]), b: c.reshape(right, [1, k, cols]) }, { transposeA: false, transposeB: false });
      if (direct <= swapped) {
        const a2 = transposeA ? c.transpose(c.reshape(a, [k, m]), [1, 0]) : a;
        const b2 = transposeB ? c.transpose(c.reshape(b, [n, k]), [1, 0]) : b;
        return c.reshape(fc(a2, b2, m, n), outShape);
      }
      const left = transposeB ? b : c.transpose(c.reshape(b, [k, n]), [1, 0]);
      const right = transposeA ? a : c.transpose(c.reshape(a, [m, k]), [1, 0]);
      const product = c.reshape(fc(left, right, n, m), [n, m]);
      return c.reshape(c.transpose(product, [1, 0]), outShape);
    });
  };
}

export function batchMatMulConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  if (shipped === undefined) throw new Error('wasm BatchMatMul: the shipped kernel is missing');
  return {
    kernelName: tf.BatchMatMul,
    backendName: WASM,
    kernelFunc: makeBatchMatMulWasm(shipped.kernelFunc),
    ...(shipped.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
