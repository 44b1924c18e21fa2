/**
 * Average pooling by its definition, in float64, independent of every tfjs backend: the forward
 * pass as TF and Keras define it (a `same` border window averages only its real input cells) and
 * its input gradient by central differences of that forward pass. Shared by the cpu and wasm
 * kernel tests.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../../src/trainer/data/random';

export type Shape4 = [number, number, number, number];

export interface AvgPoolCase {
  readonly x: Shape4;
  readonly k: number;
  readonly s: number;
  readonly pad: 'same' | 'valid';
}

/** batch 2, channels 3, odd sizes 5×5 and 7×7, pools 2 and 3, strides 1 and 2, both paddings. */
export const AVG_POOL_CASES: readonly AvgPoolCase[] = [5, 7].flatMap((h) => [2, 3].flatMap((k) => [1, 2].flatMap((s) =>
  (['same', 'valid'] as const).map((pad): AvgPoolCase => ({ x: [2, h, h, 3], k, s, pad })))));

/** Seeded values in [-1, 1) (mulberry32), so a failure reproduces. */
export function seededValues(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** Output shape by TF's rules: `valid` ⌈(n − k + 1)/s⌉, `same` ⌈n/s⌉. */
export function avgPoolOutShape(c: AvgPoolCase): Shape4 {
  const out = (n: number): number => (c.pad === 'same' ? Math.ceil(n / c.s) : Math.ceil((n - c.k + 1) / c.s));
  return [c.x[0], out(c.x[1]), out(c.x[2]), c.x[3]];
}

/**
 * y[b, i, j, d] = mean of x over the window's cells inside the input. For `same`, TF pads
 * ⌊total/2⌋ before and the rest after, with total = max((out − 1)·s + k − n, 0).
 */
export function avgPoolForward(c: AvgPoolCase, x: ArrayLike<number>): Float64Array {
  const [batch, h, w, ch] = c.x;
  const [, oh, ow] = avgPoolOutShape(c);
  const before = (n: number, o: number): number => (c.pad === 'same' ? Math.floor(Math.max((o - 1) * c.s + c.k - n, 0) / 2) : 0);
  const top = before(h, oh);
  const left = before(w, ow);
  const y = new Float64Array(batch * oh * ow * ch);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let d = 0; d < ch; d++) {
          let sum = 0;
          let count = 0;
          for (let u = 0; u < c.k; u++) {
            for (let v = 0; v < c.k; v++) {
              const r = i * c.s - top + u;
              const q = j * c.s - left + v;
              if (r < 0 || r >= h || q < 0 || q >= w) continue;
              sum += x[((b * h + r) * w + q) * ch + d] as number;
              count++;
            }
          }
          y[((b * oh + i) * ow + j) * ch + d] = sum / count;
        }
      }
    }
  }
  return y;
}

/**
 * d/dx of Σ y·proj by central differences of `avgPoolForward` (float64; exact up to rounding,
 * since the forward pass is linear in x).
 */
export function avgPoolNumericGrad(c: AvgPoolCase, x: Float32Array, proj: ArrayLike<number>): Float64Array {
  const xs = Float64Array.from(x);
  const loss = (): number => {
    const y = avgPoolForward(c, xs);
    let l = 0;
    for (let i = 0; i < y.length; i++) l += (y[i] as number) * (proj[i] as number);
    return l;
  };
  const eps = 1e-3;
  const g = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    xs[i] = v + eps;
    const up = loss();
    xs[i] = v - eps;
    const down = loss();
    xs[i] = v;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** Largest |actual − expected| relative to the largest |expected|. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  let m = 0;
  for (let i = 0; i < expected.length; i++) {
    d = Math.max(d, Math.abs((actual[i] as number) - (expected[i] as number)));
    m = Math.max(m, Math.abs(expected[i] as number));
  }
  return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / Math.max(m, 1e-12);
}

/**
 * Forward and gradient of Σ avgPool(x)·proj on the active backend, through the public ops (so
 * through whatever AvgPool and AvgPoolGrad kernels are registered); checks for leaked tensors.
 */
export function avgPoolOnBackend(c: AvgPoolCase, x: Float32Array, proj: Float32Array): { y: Float32Array; shape: number[]; dx: Float32Array } {
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const y = tf.avgPool(xt, c.k, c.s, c.pad);
    const p = tf.tensor(proj, y.shape);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, c.k, c.s, c.pad), p)))(xt);
    return { y: y.dataSync() as Float32Array, shape: y.shape, dx: dx.dataSync() as Float32Array };
  });
  if (tf.memory().numTensors !== before) throw new Error(`avgPool on ${tf.getBackend()} leaked tensors`);
  return result;
}

/**
 * Case `n` of AVG_POOL_CASES on the active backend against the definition: the output shape, the
 * forward pass within `forwardTolerance` (relative) and the gradient within 1e-5 of central
 * differences. Seeds 500 + n (x) and 600 + n (the projection).
 */
export function assertAvgPoolMatchesDefinition(c: AvgPoolCase, n: number, forwardTolerance: number): void {
  const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const x = seededValues(size(c.x), 500 + n);
  const outShape = avgPoolOutShape(c);
  const proj = seededValues(size(outShape), 600 + n);
  const { y, shape, dx } = avgPoolOnBackend(c, x, proj);
  assert.deepEqual(shape, outShape);
  const forward = relativeError(y, avgPoolForward(c, x));
  assert.ok(forward < forwardTolerance, `forward differs from the definition by ${forward}`);
  const grad = relativeError(dx, avgPoolNumericGrad(c, x, proj));
  assert.ok(grad < 1e-5, `gradient differs from central differences by ${grad}`);
}
