/**
 * The arithmetic of one conv2d filter, as the explainer shows it: each input channel's plane
 * convolved with its kernel slice (a partial map), their sum plus the bias, the activation, and
 * the products behind one output pixel. Pure, in float64, with TensorFlow's conventions (HWC,
 * kernels [kh][kw][c], `same` padding split with the extra row and column at the end), so that a
 * plain-Node test and the page agree with the trainer's own output to float32 precision.
 */
import type { FloatPayload } from '../../src/shared/trainerProtocol';
import { decodeBase64 } from './math';

/** The values of a float payload (little-endian float32, as the trainer wrote them). */
export function decodeFloats(p: FloatPayload): Float32Array {
  const bytes = decodeBase64(p.f32Base64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

/** Output size and leading padding of one axis (TensorFlow's `valid` / `same`). */
function convAxis(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.max(0, Math.floor((size - kernel) / stride) + 1), before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - size);
  return { out, before: Math.floor(total / 2) };
}

/** How a kernel slides over an input: sizes, strides, padding. */
export interface ConvGeometry {
  /** Input [h, w, c]. */
  readonly input: readonly [number, number, number];
  /** Kernel [kh, kw]. */
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'valid' | 'same';
}

export function outputSize(g: ConvGeometry): { oh: number; ow: number; top: number; left: number } {
  const y = convAxis(g.input[0], g.kernel[0], g.strides[0], g.padding);
  const x = convAxis(g.input[1], g.kernel[1], g.strides[1], g.padding);
  return { oh: y.out, ow: x.out, top: y.before, left: x.before };
}

/** One term of an output pixel: input value × weight at kernel cell (i, j) of channel c. */
export interface Product {
  readonly channel: number;
  readonly i: number;
  readonly j: number;
  /** The input pixel (null outside the image: zero padding). */
  readonly y: number | null;
  readonly x: number | null;
  readonly value: number;
  readonly weight: number;
  readonly product: number;
}

/**
 * The k×k products of channel `channel` behind output pixel (oy, ox): input × kernel, zero
 * outside the input (padding).
 */
export function productsAt(input: ArrayLike<number>, kernel: ArrayLike<number>, g: ConvGeometry, channel: number, oy: number, ox: number): Product[] {
  const [h, w, c] = g.input;
  const [kh, kw] = g.kernel;
  const { top, left } = outputSize(g);
  const out: Product[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const y = oy * g.strides[0] - top + i;
      const x = ox * g.strides[1] - left + j;
      const inside = y >= 0 && y < h && x >= 0 && x < w;
      const value = inside ? input[(y * w + x) * c + channel] as number : 0;
      const weight = kernel[(i * kw + j) * c + channel] as number;
      out.push({ channel, i, j, y: inside ? y : null, x: inside ? x : null, value, weight, product: value * weight });
    }
  }
  return out;
}

/** Channel `channel` of the input convolved with its kernel slice: the partial map [oh][ow]. */
function partialMap(input: ArrayLike<number>, kernel: ArrayLike<number>, g: ConvGeometry, channel: number): Float64Array {
  const [h, w, c] = g.input;
  const [kh, kw] = g.kernel;
  const { oh, ow, top, left } = outputSize(g);
  const out = new Float64Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let s = 0;
      for (let i = 0; i < kh; i++) {
        const y = oy * g.strides[0] - top + i;
        if (y < 0 || y >= h) continue;
        for (let j = 0; j < kw; j++) {
          const x = ox * g.strides[1] - left + j;
          if (x < 0 || x >= w) continue;
          s += (input[(y * w + x) * c + channel] as number) * (kernel[(i * kw + j) * c + channel] as number);
        }
      }
      out[oy * ow + ox] = s;
    }
  }
  return out;
}

/** Σ over channels of the partial maps, plus the bias: the pre-activation. */
function sumWithBias(partials: readonly Float64Array[], bias: number): Float64Array {
  const n = partials[0]?.length ?? 0;
  const out = new Float64Array(n).fill(bias);
  for (const p of partials) for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (p[i] as number);
  return out;
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), for GELU. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * A Keras activation of one value, as tfjs computes it; null for softmax, which needs all the
 * channels of a pixel (the explainer then shows the model's own output).
 */
export function activate(name: string, v: number): number | null {
  switch (name) {
    case 'linear': return v;
    case 'relu': return Math.max(0, v);
    case 'relu6': return Math.min(6, Math.max(0, v));
    case 'elu': return v > 0 ? v : Math.exp(v) - 1;
    case 'selu': return SELU_SCALE * (v > 0 ? v : SELU_ALPHA * (Math.exp(v) - 1));
    case 'sigmoid': return sigmoid(v);
    case 'hardSigmoid': return Math.min(1, Math.max(0, 0.2 * v + 0.5));
    case 'tanh': return Math.tanh(v);
    case 'softplus': return Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
    case 'softsign': return v / (1 + Math.abs(v));
    case 'swish': return v * sigmoid(v);
    case 'gelu': return 0.5 * v * (1 + erf(v / Math.SQRT2));
    default: return null;
  }
}

/** Everything the explainer computes from the trainer's input, kernel and bias. */
export interface FilterArithmetic {
  readonly geometry: ConvGeometry;
  readonly oh: number;
  readonly ow: number;
  /** One partial map per input channel. */
  readonly partials: Float64Array[];
  /** Σ partials + bias. */
  readonly sum: Float64Array;
  /** activation(sum); null when the activation is not computed here (softmax). */
  readonly activated: Float64Array | null;
}

export function filterArithmetic(
  input: ArrayLike<number>, inShape: readonly number[], kernel: ArrayLike<number>, kShape: readonly number[],
  bias: number, strides: readonly [number, number], padding: 'valid' | 'same', activation: string,
): FilterArithmetic {
  const geometry: ConvGeometry = {
    input: [inShape[0] ?? 1, inShape[1] ?? 1, inShape[2] ?? 1], kernel: [kShape[0] ?? 1, kShape[1] ?? 1], strides, padding,
  };
  const { oh, ow } = outputSize(geometry);
  const partials = Array.from({ length: geometry.input[2] }, (_, c) => partialMap(input, kernel, geometry, c));
  const sum = sumWithBias(partials, bias);
  const probe = activate(activation, 0);
  const activated = probe === null ? null : sum.map((v) => activate(activation, v) as number);
  return { geometry, oh, ow, partials, sum, activated };
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return a.length === b.length ? d : Infinity;
}
