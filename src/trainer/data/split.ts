/** Splitting an in-memory set: seeded, stratified, and shuffled so no class sits at the end. */
import { Random } from './random';
import type { ImageSet } from './types';

/** Copies the listed images of `set`, in that order, into a new set. */
export function gather(set: ImageSet, indices: ArrayLike<number>, pixelsPerImage: number): ImageSet {
  const images = new Uint8Array(indices.length * pixelsPerImage);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] ?? 0;
    images.set(set.images.subarray(i * pixelsPerImage, (i + 1) * pixelsPerImage), k * pixelsPerImage);
    labels[k] = set.labels[i] ?? 0;
  }
  return { images, labels, count: indices.length };
}

/**
 * Stratified, seeded split: from each class, `testCount(classSize)` random images go to test, the
 * rest to train; both sets are then shuffled, because Keras-style `validationSplit` takes the last
 * part of the training set before shuffling and must not get a single class.
 */
export function stratifiedSplit(
  set: ImageSet,
  pixelsPerImage: number,
  numClasses: number,
  testCount: (classSize: number) => number,
  seed: number,
): { train: ImageSet; test: ImageSet } {
  const rng = new Random(seed);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < set.count; i++) byClass[set.labels[i] ?? 0]?.push(i);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const members of byClass) {
    rng.shuffle(members);
    const t = testCount(members.length);
    testIdx.push(...members.slice(0, t));
    trainIdx.push(...members.slice(t));
  }
  rng.shuffle(trainIdx);
  rng.shuffle(testIdx);
  return { train: gather(set, trainIdx, pixelsPerImage), test: gather(set, testIdx, pixelsPerImage) };
}
