/**
 * Image-folder data sets: one sub-folder per class holding PNG or JPEG files, optionally under
 * `train/` and `test/` (else a seeded, stratified split by `testSplit`). Images are decoded
 * (pngjs, jpeg-js), alpha dropped as Keras/PIL do for RGB, and resized with bilinear
 * interpolation (half-pixel centres, as tf.image.resize) to `imageSize` by
 * src/shared/imageResize, which the dashboard resizes the user's own image with. Class names are the
 * sorted folder names. The decoded arrays are cached in the data folder, keyed by the folder's
 * absolute path, the image size and every file's size and mtime, so a large folder (60,000 JPEGs)
 * is decoded once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CnnLabError } from '../../shared/errors';
import { resizeRgbaToRgb } from '../../shared/imageResize';
import type { DatasetSpec, Pair } from '../../shared/modelSpec';
import { gather, stratifiedSplit } from './split';
import { Random, deriveSeed } from './random';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';
import { asBytes, concatBytes } from '../../shared/bytes';

type FolderSpec = Extract<DatasetSpec, { kind: 'folder' }>;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const CACHE_VERSION = 1;

/** A decoded image, always as RGBA bytes. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Decodes a PNG or JPEG (by content, not extension); errors name the file. */
export function decodeImage(buf: Uint8Array, file: string): RgbaImage {
  try {
    if (buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      return { width: png.width, height: png.height, data: asBytes(png.data) };
    }
    if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new CnnLabError('E_DATASET_CORRUPT', `Cannot decode image ${file}: ${(err as Error).message}`, 'Re-export or remove this file from the data set folder.');
  }
  throw new CnnLabError('E_DATASET_CORRUPT', `Cannot decode image ${file}: neither PNG nor JPEG data`, 'Re-export or remove this file from the data set folder.');
}

interface FileEntry {
  /** Path relative to the data set root. */
  readonly rel: string;
  readonly label: number;
  /** 0 = train, 1 = test, 2 = not yet assigned (no explicit split). */
  readonly split: 0 | 1 | 2;
  size: number;
  mtimeMs: number;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function imageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function unavailable(message: string, hint: string): CnnLabError {
  return new CnnLabError('E_DATASET_UNAVAILABLE', message, hint);
}

const LAYOUT_HINT = 'Put one sub-folder per class (e.g. cats/, dogs/) with PNG or JPEG files inside, optionally under train/ and test/.';

/** Lists the data set: class names and every image with its label and (explicit) split. */
async function scanImageFolder(root: string): Promise<{ classNames: string[]; files: FileEntry[]; explicitSplit: boolean }> {
  let top: string[];
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
    top = await subfolders(root);
  } catch (err) {
    throw unavailable(`Image folder ${root} cannot be read: ${(err as Error).message}`, 'Check the dataset path in the model file; relative paths start at the model file\'s folder.');
  }
  const explicitSplit = top.includes('train') && top.includes('test');
  const files: FileEntry[] = [];
  let classNames: string[];
  const addClass = async (dir: string, relDir: string, label: number, split: 0 | 1 | 2, className: string): Promise<void> => {
    const names = await imageFiles(dir);
    if (names.length === 0) {
      throw unavailable(`Class folder ${dir} holds no PNG or JPEG images`, `Add images to it or remove the folder "${className}".`);
    }
    for (const n of names) files.push({ rel: `${relDir}/${n}`, label, split, size: 0, mtimeMs: 0 });
  };
  if (explicitSplit) {
    classNames = await subfolders(join(root, 'train'));
    const testClasses = await subfolders(join(root, 'test'));
    const stray = testClasses.filter((c) => !classNames.includes(c));
    if (stray.length > 0) {
      throw unavailable(`${join(root, 'test')} has classes missing from train/: ${stray.join(', ')}`, 'Every test class needs a train folder of the same name.');
    }
    if (testClasses.length === 0) throw unavailable(`${join(root, 'test')} has no class folders`, 'Put the test images in one sub-folder per class, named as in train/, or remove test/ to split train/ automatically.');
    if (classNames.length < 2) throw unavailable(`${join(root, 'train')} needs at least two class folders, found ${classNames.length}`, LAYOUT_HINT);
    for (const [label, c] of classNames.entries()) await addClass(join(root, 'train', c), `train/${c}`, label, 0, c);
    for (const c of testClasses) await addClass(join(root, 'test', c), `test/${c}`, classNames.indexOf(c), 1, c);
  } else {
    classNames = top;
    if (classNames.length < 2) throw unavailable(`Image folder ${root} needs at least two class sub-folders, found ${classNames.length}`, LAYOUT_HINT);
    for (const [label, c] of classNames.entries()) await addClass(join(root, c), c, label, 2, c);
  }
  if (classNames.length > 256) throw unavailable(`Image folder ${root} has ${classNames.length} classes; at most 256 are supported`, LAYOUT_HINT);
  return { classNames, files, explicitSplit };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface DecodedFolder {
  readonly classNames: string[];
  readonly channels: 1 | 3;
  /** All images in scan order. */
  readonly all: ImageSet;
  /** Per image: 0 train, 1 test, 2 unassigned. */
  readonly split: Uint8Array;
}

interface CacheHeader {
  readonly version: number;
  readonly root: string;
  readonly classNames: string[];
  readonly channels: 1 | 3;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

function cacheKey(root: string, size: Pair, files: readonly FileEntry[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CACHE_VERSION, root, size }));
  for (const f of files) h.update(`\n${f.rel}\t${f.size}\t${f.mtimeMs}`);
  return h.digest('hex').slice(0, 32);
}

async function readCache(base: string, pixels: number): Promise<DecodedFolder | null> {
  try {
    const header = JSON.parse(await readFile(`${base}.json`, 'utf8')) as CacheHeader;
    if (header.version !== CACHE_VERSION) return null;
    const body = asBytes(await readFile(`${base}.bin`));
    const imageBytes = header.count * pixels * header.channels;
    if (body.length !== imageBytes + 2 * header.count) return null;
    return {
      classNames: header.classNames,
      channels: header.channels,
      all: { images: body.subarray(0, imageBytes), labels: body.subarray(imageBytes, imageBytes + header.count), count: header.count },
      split: body.subarray(imageBytes + header.count),
    };
  } catch {
    return null;
  }
}

async function writeCache(base: string, root: string, size: Pair, d: DecodedFolder): Promise<void> {
  const tmp = `${base}.${randomBytes(4).toString('hex')}.tmp`;
  const header: CacheHeader = { version: CACHE_VERSION, root, classNames: d.classNames, channels: d.channels, count: d.all.count, height: size[0], width: size[1] };
  await writeFile(tmp, concatBytes([d.all.images, d.all.labels, d.split]));
  await rename(tmp, `${base}.bin`);
  await writeFile(tmp, JSON.stringify(header));
  await rename(tmp, `${base}.json`);
}

async function decodeAll(root: string, scan: Awaited<ReturnType<typeof scanImageFolder>>, size: Pair, onProgress: LoadOptions['onProgress']): Promise<DecodedFolder> {
  const [outH, outW] = size;
  const rgbBytes = outH * outW * 3;
  const n = scan.files.length;
  const images = new Uint8Array(n * rgbBytes);
  const labels = new Uint8Array(n);
  const split = new Uint8Array(n);
  let allGrey = true;
  let lastReport = 0;
  // Synchronous reads: for many small files readFileSync is several times faster than
  // fs.promises (one thread-pool round trip instead of four), and decoding blocks anyway. The loop
  // yields to the event loop every 256 images so the trainer keeps answering the host.
  for (let i = 0; i < n; i++) {
    const f = scan.files[i] as FileEntry;
    const path = join(root, f.rel);
    let buf: Uint8Array;
    try {
      buf = asBytes(readFileSync(path));
    } catch (err) {
      throw new CnnLabError('E_DATASET_UNAVAILABLE', `Cannot read image ${path}: ${(err as Error).message}`, 'Check the file\'s permissions or remove it.');
    }
    const img = decodeImage(buf, path);
    if (allGrey) {
      for (let p = 0; p < img.data.length; p += 4) {
        if (img.data[p] !== img.data[p + 1] || img.data[p] !== img.data[p + 2]) {
          allGrey = false;
          break;
        }
      }
    }
    resizeRgbaToRgb(img.data, img.width, img.height, outW, outH, images, i * rgbBytes);
    labels[i] = f.label;
    split[i] = f.split;
    if ((i & 255) === 255 || i === n - 1) {
      const now = Date.now();
      if (onProgress && (now - lastReport > 250 || i === n - 1)) {
        lastReport = now;
        onProgress({ task: `Decoding images in ${basename(root)}`, fraction: (i + 1) / n, detail: `${(i + 1).toLocaleString('en-US')} / ${n.toLocaleString('en-US')}` });
      }
      await yieldToEventLoop();
    }
  }
  if (!allGrey) return { classNames: scan.classNames, channels: 3, all: { images, labels, count: n }, split };
  // Every image is grey: keep one channel.
  const grey = new Uint8Array(n * outH * outW);
  for (let p = 0; p < grey.length; p++) grey[p] = images[p * 3] ?? 0;
  return { classNames: scan.classNames, channels: 1, all: { images: grey, labels, count: n }, split };
}

/** Decodes (or reads from the cache) the whole folder, before any split. */
async function decodeImageFolder(root: string, imageSize: Pair, opts: Pick<LoadOptions, 'dataDir' | 'onProgress'>): Promise<DecodedFolder & { fromCache: boolean }> {
  opts.onProgress?.({ task: `Scanning ${basename(root)}`, fraction: null, detail: root });
  const scan = await scanImageFolder(root);
  // Synchronous stats, in slices: faster than 60,000 promises through the thread pool.
  for (let i = 0; i < scan.files.length; i++) {
    const f = scan.files[i] as FileEntry;
    const s = statSync(join(root, f.rel));
    f.size = s.size;
    f.mtimeMs = s.mtimeMs;
    if ((i & 2047) === 2047) await yieldToEventLoop();
  }
  const cacheDir = join(opts.dataDir, 'image-folders');
  const base = join(cacheDir, `${basename(root).replace(/[^A-Za-z0-9_.-]/g, '_')}-${imageSize[0]}x${imageSize[1]}-${cacheKey(root, imageSize, scan.files)}`);
  const cached = await readCache(base, imageSize[0] * imageSize[1]);
  if (cached) return { ...cached, fromCache: true };
  const decoded = await decodeAll(root, scan, imageSize, opts.onProgress);
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeCache(base, root, imageSize, decoded);
  } catch (err) {
    // A read-only or full cache only costs the next load its decoding time.
    opts.onProgress?.({ task: 'Could not cache decoded images', fraction: null, detail: (err as Error).message });
    await rm(`${base}.bin`, { force: true }).catch(() => undefined);
  }
  return { ...decoded, fromCache: false };
}

export async function loadImageFolder(spec: FolderSpec, opts: LoadOptions): Promise<LoadedDataset> {
  const root = resolve(opts.modelDir, spec.path);
  const [h, w] = spec.imageSize;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
    throw new CnnLabError('E_MODEL_INVALID', `imageSize must be two positive integers, got [${h}, ${w}]`, 'Set dataset.imageSize, e.g. [32, 32].');
  }
  const decoded = await decodeImageFolder(root, spec.imageSize, opts);
  const pixels = h * w * decoded.channels;
  const { all, split } = decoded;
  let train: ImageSet;
  let test: ImageSet;
  let how: string;
  const rng = new Random(deriveSeed(opts.seed, `folder-order:${root}`));
  if (!split.includes(2)) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < all.count; i++) (split[i] === 1 ? testIdx : trainIdx).push(i);
    // Shuffled once with the seed: files come in class order, and a validation split taken from
    // the end of the training set must not be a single class.
    train = gather(all, rng.shuffle(trainIdx), pixels);
    test = gather(all, testIdx, pixels);
    how = 'its train/ and test/ folders';
  } else {
    const ratio = spec.testSplit;
    ({ train, test } = stratifiedSplit(all, pixels, decoded.classNames.length, (n) => {
      if (ratio <= 0 || n < 2) return 0;
      return Math.min(n - 1, Math.max(1, Math.round(n * ratio)));
    }, deriveSeed(opts.seed, `folder-split:${root}`)));
    how = `a stratified ${Math.round(ratio * 100)} % test split with seed ${opts.seed}`;
  }
  if (train.count === 0) throw unavailable(`Image folder ${root} has no training images`, LAYOUT_HINT);
  return {
    name: basename(root),
    source: `image folder ${root} (${all.count.toLocaleString('en-US')} images resized to ${h}×${w}, split by ${how}${decoded.fromCache ? '; decoded copy from the cache' : ''})`,
    shape: [h, w, decoded.channels],
    classNames: decoded.classNames,
    train,
    test,
  };
}
