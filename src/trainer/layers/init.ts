/**
 * Keras's default initializers, drawn from the run's seed rather than by tfjs: tfjs initializers
 * ignore their `seed` in places (tfjs issue #7104) and fall back to `Math.random`, so layers are
 * built with zero kernels and their modules fill them from these (see `TrainerLayer.initWeight`).
 */
import type { Rng } from '../rng';

/**
 * Keras's glorot_uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)), with the fans of Keras's
 * `compute_fans`: [in, out] for a matrix; for a kernel [..., in, out] the receptive field (the
 * product of the leading dimensions) multiplies both (a depthwise kernel [kh, kw, channels,
 * multiplier]: fanIn kh·kw·channels, fanOut kh·kw·multiplier).
 */
export function glorotUniform(shape: readonly number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  let fanIn: number;
  let fanOut: number;
  if (shape.length === 2) {
    fanIn = shape[0] ?? 1;
    fanOut = shape[1] ?? 1;
  } else {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    fanIn = (shape[shape.length - 2] ?? 1) * receptive;
    fanOut = (shape[shape.length - 1] ?? 1) * receptive;
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.range(-limit, limit);
  return out;
}

/** `initWeight` of a layer whose named weights are glorot_uniform and whose others (bias) stay zero. */
export function glorotFor(...names: readonly string[]): (weight: string, shape: readonly number[], rng: Rng) => Float32Array | null {
  return (weight, shape, rng) => (names.includes(weight) ? glorotUniform(shape, rng) : null);
}
