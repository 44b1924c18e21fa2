/**
 * Runs kernels that the wasm backend already registers, directly (not through the engine), so a
 * missing or slow kernel can be composed from fast ones inside a single kernel call: nothing is
 * recorded on the gradient tape and no engine tensors are created. Intermediates are freed with
 * `disposeData`, the way tfjs backends free their own temporaries.
 */
import * as tf from '@tensorflow/tfjs';

export const WASM = 'wasm';

class WasmComposer {
  private readonly temps: tf.TensorInfo[] = [];

  constructor(private readonly backend: tf.KernelBackend) {}

  /** Runs a single-output wasm kernel; its result is freed by `dispose` unless `keep` is called. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, WASM);
    if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`wasm kernel ${kernelName} returned several outputs`);
    this.temps.push(out);
    return out;
  }

  reshape(x: tf.TensorInfo, shape: readonly number[]): tf.TensorInfo {
    return this.run(tf.Reshape, { x }, { shape: [...shape] });
  }

  transpose(x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
    return this.run(tf.Transpose, { x }, { perm: [...perm] });
  }

  /** Zero padding; `paddings` has one [before, after] pair per dimension. */
  pad(x: tf.TensorInfo, paddings: readonly (readonly [number, number])[]): tf.TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run(tf.PadV2, { x }, { paddings: paddings.map(([a, b]) => [a, b]), constantValue: 0 });
  }

  slice(x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
    if (size.every((s, i) => s === x.shape[i]) && begin.every((b) => b === 0)) return x;
    return this.run(tf.Slice, { x }, { begin: [...begin], size: [...size] });
  }

  /** A new uninitialised buffer, freed by `dispose` unless kept, for a kernel to write into. */
  output(shape: readonly number[], dtype: tf.DataType): tf.TensorInfo {
    const out = (this.backend as unknown as { makeOutput(s: number[], d: tf.DataType): tf.TensorInfo }).makeOutput([...shape], dtype);
    this.temps.push(out);
    return out;
  }

  owns(t: tf.TensorInfo): boolean {
    return this.temps.includes(t);
  }

  /** Takes `out` out of the temporaries: the caller (the engine) owns it from now on. */
  keep(out: tf.TensorInfo): tf.TensorInfo {
    const i = this.temps.lastIndexOf(out);
    if (i >= 0) this.temps.splice(i, 1);
    return out;
  }

  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/** Runs `body` with a composer and frees every intermediate, also when `body` throws. */
export function compose(backend: tf.KernelBackend, body: (c: WasmComposer) => tf.TensorInfo): tf.TensorInfo {
  const c = new WasmComposer(backend);
  try {
    const out = body(c);
    // A result that is not one of our temporaries is an input passed through: the engine will
    // own and free it, so it needs its own reference.
    if (!c.owns(out)) backend.incRef(out.dataId);
    return c.keep(out);
  } finally {
    c.dispose();
  }
}

export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
