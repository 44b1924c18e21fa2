/**
 * Child process of `gradients.test.ts`: loads the native backend through the trainer's own
 * loader with the oneDNN setting given on the command line (libtensorflow reads it once, at load),
 * computes forward outputs and gradients of each case on `tensorflow` and on the `cpu` backend
 * as the trainer runs it (with `registerFastCpuKernels`) from identical inputs, and prints one JSON line per case with the largest differences.
 * Any heap corruption in the native kernels shows as a non-zero exit, which the parent checks.
 *
 *   node -r tsx/cjs gradcheck.child.ts on|off
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastCpuKernels } from '../../../src/trainer/backends/cpuKernels';
import { loadTensorflowBackend, needsOnednnOff } from '../../../src/trainer/backends/tensorflow';
import { gradCases, type GradCase } from './gradCases';

/** Deterministic inputs (a 32-bit LCG), so both backends see exactly the same numbers. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

interface Outcome { readonly y: Float32Array; readonly grads: Float32Array[] }

async function evaluate(c: GradCase, backend: string): Promise<Outcome> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const inputs = c.inputs.map((shape, i) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), 17 + 31 * i), shape));
    const y = c.fn(inputs);
    // A fixed random projection of the output as the loss, so every output element's gradient
    // differs (a plain sum would give symmetric, easy-to-match gradients).
    const r = tf.tensor(values(y.size, 99), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.fn(xs), r)))(inputs);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Largest absolute difference, relative to the largest magnitude on the reference. */
function relDiff(a: Float32Array, ref: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs((a[i] ?? Number.NaN) - (ref[i] ?? 0)));
    m = Math.max(m, Math.abs(ref[i] ?? 0));
  }
  if (a.length !== ref.length || Number.isNaN(d)) return Number.POSITIVE_INFINITY;
  return d / Math.max(m, 1e-12);
}

/**
 * Gradients by central differences of the forward pass on `cpu` (whose forward agrees with
 * `tensorflow`); exact up to rounding for the piecewise-linear ops it is used for.
 */
async function numericGrads(c: GradCase): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  const eps = 1e-2;
  const data = c.inputs.map((shape, i) => values(shape.reduce((a, b) => a * b, 1), 17 + 31 * i));
  const loss = (xs: Float32Array[]): number => tf.tidy(() => {
    const ts = xs.map((d, i) => tf.tensor(d, c.inputs[i]));
    const y = c.fn(ts);
    return tf.sum(tf.mul(y, tf.tensor(values(y.size, 99), y.shape))).dataSync()[0] ?? Number.NaN;
  });
  return data.map((d, k) => {
    const g = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const at = (delta: number): number => loss(data.map((e, j) => {
        if (j !== k) return e;
        const copy = e.slice();
        copy[i] = (copy[i] ?? 0) + delta;
        return copy;
      }));
      g[i] = (at(eps) - at(-eps)) / (2 * eps);
    }
    return g;
  });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'on' && mode !== 'off') throw new Error('usage: gradcheck.child.ts on|off');
  const { detail } = await loadTensorflowBackend({ disableOnednn: mode === 'off' });
  // The cpu backend the trainer falls back to, including its corrected AvgPoolGrad.
  registerFastCpuKernels();
  await tf.setBackend('tensorflow');
  process.stdout.write(`${JSON.stringify({ detail, backend: tf.getBackend() })}\n`);
  for (const c of gradCases) {
    // With oneDNN on, only the cases whose model the trainer would run with oneDNN on.
    if (mode === 'on' && needsOnednnOff(c.model)) continue;
    const native = await evaluate(c, 'tensorflow');
    const cpu = await evaluate(c, 'cpu');
    const reference = c.reference?.kind === 'numeric' ? await numericGrads(c) : cpu.grads;
    process.stdout.write(`${JSON.stringify({
      name: c.name,
      reference: c.reference?.kind ?? 'cpu',
      forward: relDiff(native.y, cpu.y),
      grads: native.grads.map((g, i) => relDiff(g, reference[i] ?? new Float32Array())),
      // Kept visible: how far the cpu backend itself is from the reference.
      cpuGrads: cpu.grads.map((g, i) => relDiff(g, reference[i] ?? new Float32Array())),
    })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ done: true, numTensors: tf.memory().numTensors })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
