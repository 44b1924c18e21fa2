/**
 * The input pipeline: images stay as one Uint8Array (HWC, 0..255) for the whole run — a quarter of
 * the memory of float32, which matters for CIFAR-10 (150 MB vs 600 MB) — and each step copies just
 * its batch into a float32 buffer, normalised to [0, 1], applying augmentation on the way.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentSpec } from '../shared/modelSpec';
import type { ImageSet } from './data/types';
import type { Rng } from './rng';

export type { ImageSet };

export type ImageShape = readonly [number, number, number];

/** Augmentation drawn for one sample. */
interface SampleAugment { readonly flip: boolean; readonly dx: number; readonly dy: number }

function drawAugment(aug: AugmentSpec, h: number, w: number, rng: Rng): SampleAugment {
  const flip = aug.flipHorizontal && rng.next() < 0.5;
  const maxX = Math.round(aug.shift * w);
  const maxY = Math.round(aug.shift * h);
  const dx = maxX > 0 ? rng.int(2 * maxX + 1) - maxX : 0;
  const dy = maxY > 0 ? rng.int(2 * maxY + 1) - maxY : 0;
  return { flip, dx, dy };
}

export function augmentActive(aug: AugmentSpec | undefined): aug is AugmentSpec {
  return aug !== undefined && (aug.flipHorizontal || aug.shift > 0);
}

/**
 * Copies samples `indices` of `set` into `out` as float32 in [0, 1]. With augmentation, each
 * sample may be mirrored left-right and translated by (dx, dy) pixels; pixels shifted in from
 * outside repeat the nearest edge pixel (Keras's `fill_mode="nearest"`), which keeps noisy or
 * coloured backgrounds plausible where a black fill would not.
 */
export function fillImages(
  set: ImageSet, indices: ArrayLike<number>, shape: ImageShape, out: Float32Array,
  augment?: { readonly spec: AugmentSpec; readonly rng: Rng },
): void {
  const [h, w, c] = shape;
  const per = h * w * c;
  const src = set.images;
  for (let s = 0; s < indices.length; s++) {
    const base = (indices[s] as number) * per;
    const dst = s * per;
    if (!augment || !augmentActive(augment.spec)) {
      for (let i = 0; i < per; i++) out[dst + i] = (src[base + i] as number) / 255;
      continue;
    }
    const a = drawAugment(augment.spec, h, w, augment.rng);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(h - 1, Math.max(0, y - a.dy));
      for (let x = 0; x < w; x++) {
        let sx = Math.min(w - 1, Math.max(0, x - a.dx));
        if (a.flip) sx = w - 1 - sx;
        const from = base + (sy * w + sx) * c;
        const to = dst + (y * w + x) * c;
        for (let k = 0; k < c; k++) out[to + k] = (src[from + k] as number) / 255;
      }
    }
  }
}

/** One-hot float labels for `indices`. */
function fillOneHot(set: ImageSet, indices: ArrayLike<number>, numClasses: number, out: Float32Array): void {
  out.fill(0);
  for (let s = 0; s < indices.length; s++) out[s * numClasses + (set.labels[indices[s] as number] as number)] = 1;
}

/** A float batch as tensors; the caller disposes both. */
export function makeBatch(
  set: ImageSet, indices: ArrayLike<number>, shape: ImageShape, numClasses: number,
  augment?: { readonly spec: AugmentSpec; readonly rng: Rng },
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = indices.length;
  const xs = new Float32Array(n * shape[0] * shape[1] * shape[2]);
  fillImages(set, indices, shape, xs, augment);
  const ys = new Float32Array(n * numClasses);
  fillOneHot(set, indices, numClasses, ys);
  return { x: tf.tensor4d(xs, [n, shape[0], shape[1], shape[2]]), y: tf.tensor2d(ys, [n, numClasses]) };
}

/** Class indices for `indices` as an int32 tensor [n] (the native step's sparse labels); the caller disposes it. */
export function makeLabels(set: ImageSet, indices: ArrayLike<number>): tf.Tensor1D {
  const labels = new Int32Array(indices.length);
  for (let s = 0; s < indices.length; s++) labels[s] = set.labels[indices[s] as number] as number;
  return tf.tensor1d(labels, 'int32');
}

/** Float images for `indices` as one [n, h, w, c] tensor; the caller disposes it. */
export function makeImages(
  set: ImageSet, indices: ArrayLike<number>, shape: ImageShape,
  augment?: { readonly spec: AugmentSpec; readonly rng: Rng },
): tf.Tensor4D {
  const n = indices.length;
  const xs = new Float32Array(n * shape[0] * shape[1] * shape[2]);
  fillImages(set, indices, shape, xs, augment);
  return tf.tensor4d(xs, [n, shape[0], shape[1], shape[2]]);
}

/** Indices 0..n-1. */
export function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
