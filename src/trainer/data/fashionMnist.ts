/**
 * Fashion-MNIST (Zalando): MNIST's IDX format and sizes, clothing in 10 classes. Read from
 * Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist) when installed, else
 * downloaded from mirrors into the cache.
 *
 * Checksums. Downloads are checked against the SHA-256 of the published gz files
 * (tensorflow/datasets `tensorflow_datasets/url_checksums/fashion_mnist.txt`), or else on their
 * decompressed content (a mirror that re-compressed them). Debian re-packs the gz files without
 * the stored file name and with a new mtime, so their bytes differ; local files are therefore
 * checked on their decompressed content. Those content digests were taken
 * from Debian's 0.0~git20200523.55506a9-1 files after confirming that each one, with its gzip
 * header restored (FNAME set, original mtime 2017-08-31), hashes exactly to the published digest
 * above, so they are the digests of the upstream data.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { DATASETS } from '../../shared/datasets';
import { DownloadFailedError, readContentVerified, type ContentDigest, type RemoteFile } from './download';
import { idxToImageSet, parseIdx } from './idx';
import { fetchMnistFormat, type MnistFormatPaths } from './mnist';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';

export const DEFAULT_LOCAL_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const DEFAULT_FASHION_MNIST_MIRRORS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/',
];

/** Published gz files with the SHA-256 and size of their decompressed IDX content (local copies, re-compressed mirrors). */
export const FASHION_MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte.gz', size: 26_421_880,
    sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    content: { size: 47_040_016, sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
  },
  trainLabels: {
    name: 'train-labels-idx1-ubyte.gz', size: 29_515,
    sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    content: { size: 60_008, sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
  },
  testImages: {
    name: 't10k-images-idx3-ubyte.gz', size: 4_422_102,
    sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    content: { size: 7_840_016, sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte.gz', size: 5_148,
    sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    content: { size: 10_008, sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
  },
} as const satisfies Record<keyof MnistFormatPaths, RemoteFile & { content: ContentDigest }>;

type FileKey = keyof typeof FASHION_MNIST_FILES;
const KEYS: readonly FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/**
 * Reads the four files from `dir` (gzipped or not: `name.gz` or `name` without `.gz`), verifying
 * each file's decompressed content. Returns null when the folder lacks any of them.
 */
async function readLocalFashionMnist(dir: string): Promise<{ train: ImageSet; test: ImageSet } | null> {
  const found: Partial<Record<FileKey, string>> = {};
  for (const key of KEYS) {
    const gz = join(dir, FASHION_MNIST_FILES[key].name);
    const plain = gz.replace(/\.gz$/, '');
    for (const candidate of [gz, plain]) {
      try {
        await access(candidate);
        found[key] = candidate;
        break;
      } catch {
        // try the next spelling
      }
    }
    if (found[key] === undefined) return null;
  }
  const parsed = await Promise.all(KEYS.map(async (key) => {
    const path = found[key] as string;
    const content = await readContentVerified(
      path,
      FASHION_MNIST_FILES[key].content,
      'Reinstall the data (sudo apt-get install --reinstall dataset-fashion-mnist) or remove the folder so Fashion-MNIST is downloaded.',
    );
    return parseIdx(content, path);
  }));
  const [trI, trL, teI, teL] = parsed as [typeof parsed[0], typeof parsed[0], typeof parsed[0], typeof parsed[0]];
  const expect = { height: 28, width: 28, numClasses: 10 };
  return {
    train: idxToImageSet(trI, trL, { ...expect, imagesFile: found.trainImages as string, labelsFile: found.trainLabels as string }),
    test: idxToImageSet(teI, teL, { ...expect, imagesFile: found.testImages as string, labelsFile: found.testLabels as string }),
  };
}

export async function loadFashionMnist(opts: LoadOptions): Promise<LoadedDataset> {
  const mirrors = opts.fashionMnistMirrors ?? DEFAULT_FASHION_MNIST_MIRRORS;
  const info = DATASETS['fashion-mnist'];
  const localDir = opts.localFashionMnistDir ?? DEFAULT_LOCAL_FASHION_MNIST_DIR;
  const base = { name: 'fashion-mnist', shape: [28, 28, 1] as const, classNames: info.classNames };
  let localProblem: CnnLabError | null = null;
  opts.onProgress?.({ task: 'Looking for Fashion-MNIST', fraction: null, detail: localDir });
  try {
    const local = await readLocalFashionMnist(localDir);
    if (local) {
      return { ...base, ...local, source: `Fashion-MNIST from ${localDir} (content SHA-256 verified)` };
    }
  } catch (err) {
    if (!(err instanceof CnnLabError)) throw err;
    // A damaged local copy: say so, then try the network before giving up.
    localProblem = err;
    opts.onProgress?.({ task: 'Local Fashion-MNIST is damaged; downloading instead', fraction: null, detail: err.message });
  }
  const cacheDir = join(opts.dataDir, 'fashion-mnist');
  let paths: MnistFormatPaths;
  try {
    paths = await fetchMnistFormat(FASHION_MNIST_FILES, cacheDir, mirrors, opts);
  } catch (err) {
    if (!(err instanceof DownloadFailedError)) throw err;
    throw new CnnLabError(
      localProblem?.code ?? err.code,
      `Fashion-MNIST is not available: ${localProblem ? localProblem.message : `nothing in ${localDir}`}, and ${err.message}`,
      'Install it locally (sudo apt-get install dataset-fashion-mnist) or connect to the network once so it can be downloaded into the data cache.',
    );
  }
  // The cache holds downloaded files, verified against the published gz digests; the same
  // reader then checks their content again.
  const cached = await readLocalFashionMnist(cacheDir);
  if (!cached) {
    throw new CnnLabError('E_DATASET_UNAVAILABLE', `Fashion-MNIST files vanished from ${cacheDir} after download (${Object.values(paths).join(', ')})`, 'Check that nothing else cleans the data cache while training.');
  }
  return { ...base, ...cached, source: `Fashion-MNIST, SHA-256 verified, cache ${cacheDir}` };
}
