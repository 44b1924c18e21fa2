/**
 * CIFAR-10, binary version: `cifar-10-binary.tar.gz` is downloaded (SHA-256 verified), unpacked
 * once into the cache, and its six batch files parsed. Each record is 1 label byte followed by
 * 3,072 pixel bytes as three 32×32 planes (R, G, B: channels first); we store channels last.
 *
 * Checksum and size: tensorflow/datasets `tensorflow_datasets/url_checksums/cifar10.txt`.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CnnLabError } from '../../shared/errors';
import { DATASETS } from '../../shared/datasets';
import { downloadVerified, formatMB, type RemoteFile } from './download';
import { readTar } from './tar';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';
import { asBytes } from '../../shared/bytes';

const CIFAR10_ARCHIVE: RemoteFile = {
  name: 'cifar-10-binary.tar.gz',
  size: 170_052_171,
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
};

export const DEFAULT_CIFAR10_MIRRORS: readonly string[] = ['https://www.cs.toronto.edu/~kriz/'];

export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const ALL_FILES: readonly string[] = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];

const SIDE = 32;
const PLANE = SIDE * SIDE;
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;

/** Parses concatenated CIFAR-10 binary records (label + CHW planes) into HWC bytes. */
export function parseCifarBatch(buf: Uint8Array, file: string): ImageSet {
  if (buf.length === 0 || buf.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new CnnLabError(
      'E_DATASET_CORRUPT',
      `${file}: ${buf.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records`,
      'Delete the cifar10 folder in the data cache so the archive is unpacked again.',
    );
  }
  const count = buf.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const rec = r * CIFAR10_RECORD_BYTES;
    const label = buf[rec] ?? 0;
    if (label > 9) {
      throw new CnnLabError('E_DATASET_CORRUPT', `${file}: record ${r} has label ${label}, outside 0..9`, 'Delete the cifar10 folder in the data cache so the archive is unpacked again.');
    }
    labels[r] = label;
    const out = r * 3 * PLANE;
    const red = rec + 1;
    const green = red + PLANE;
    const blue = green + PLANE;
    for (let p = 0; p < PLANE; p++) {
      const o = out + 3 * p;
      images[o] = buf[red + p] ?? 0;
      images[o + 1] = buf[green + p] ?? 0;
      images[o + 2] = buf[blue + p] ?? 0;
    }
  }
  return { images, labels, count };
}

function concatSets(sets: readonly ImageSet[], pixelsPerImage: number): ImageSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * pixelsPerImage);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * pixelsPerImage);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count };
}

interface UnpackMarker {
  readonly archiveSha256: string;
  readonly sizes: Record<string, number>;
}

const MARKER = 'unpacked.json';

async function readMarker(dir: string, archiveSha256: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as UnpackMarker;
    if (marker.archiveSha256 !== archiveSha256) return false;
    for (const f of ALL_FILES) {
      const expected = marker.sizes[f];
      if (expected === undefined || (await stat(join(dir, f))).size !== expected) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Unpacks the six batch files of `archivePath` into `dir` (via a temporary folder renamed into
 * place, so a killed process never leaves a half-unpacked cache that looks complete).
 */
export async function unpackCifarArchive(archivePath: string, dir: string, archiveSha256: string, onProgress?: LoadOptions['onProgress']): Promise<void> {
  const tmp = `${dir}.${process.pid}.unpacking`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const total = (await stat(archivePath)).size;
  let compressedRead = 0;
  const raw = createReadStream(archivePath, { highWaterMark: 1 << 20 });
  raw.on('data', (c) => {
    compressedRead += c.length;
    onProgress?.({ task: `Unpacking ${basename(archivePath)}`, fraction: compressedRead / total, detail: `${formatMB(compressedRead)} / ${formatMB(total)} MB` });
  });
  const gunzip = raw.pipe(createGunzip());
  raw.on('error', (e) => gunzip.destroy(e));
  const sizes: Record<string, number> = {};
  // The file being written, closed by its sink's end() or, when unpacking fails, below.
  let current: FileHandle | null = null;
  try {
    await readTar(gunzip, (entry) => {
      const file = entry.name.split('/').pop() ?? '';
      if (entry.type !== 'file' || !ALL_FILES.includes(file)) return null;
      let written = 0;
      return {
        async write(chunk) {
          current ??= await open(join(tmp, file), 'w');
          await current.write(chunk);
          written += chunk.length;
        },
        async end() {
          const fh = current ?? (await open(join(tmp, file), 'w'));
          current = null;
          await fh.close();
          sizes[file] = written;
        },
      };
    }, basename(archivePath));
  } catch (err) {
    const leftOpen = current as FileHandle | null;
    if (leftOpen) await leftOpen.close().catch(() => undefined);
    raw.destroy();
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof CnnLabError) throw err;
    throw new CnnLabError('E_DATASET_CORRUPT', `${basename(archivePath)}: cannot unpack (${(err as Error).message})`, 'Delete the archive from the data cache so it is downloaded again.');
  }
  const missing = ALL_FILES.filter((f) => sizes[f] === undefined);
  if (missing.length > 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new CnnLabError('E_DATASET_CORRUPT', `${basename(archivePath)} lacks ${missing.join(', ')}`, 'This is not the CIFAR-10 binary version; delete it from the data cache so it is downloaded again.');
  }
  await writeFile(join(tmp, MARKER), JSON.stringify({ archiveSha256, sizes } satisfies UnpackMarker));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/** Parses the unpacked batch files in `dir`. */
async function readCifarBatches(dir: string): Promise<{ train: ImageSet; test: ImageSet }> {
  const read = async (f: string): Promise<ImageSet> => parseCifarBatch(asBytes(await readFile(join(dir, f))), f);
  const trainParts: ImageSet[] = [];
  for (const f of CIFAR10_TRAIN_FILES) trainParts.push(await read(f));
  return { train: concatSets(trainParts, 3 * PLANE), test: await read(CIFAR10_TEST_FILE) };
}

export async function loadCifar10(opts: LoadOptions, archive: RemoteFile = CIFAR10_ARCHIVE): Promise<LoadedDataset> {
  const cacheDir = join(opts.dataDir, 'cifar10');
  const unpackedDir = join(cacheDir, 'cifar-10-batches-bin');
  const base = { name: 'cifar10', shape: [32, 32, 3] as const, classNames: DATASETS.cifar10.classNames };
  if (!(await readMarker(unpackedDir, archive.sha256))) {
    const archivePath = await downloadVerified(archive, {
      cacheDir,
      mirrors: opts.cifar10Mirrors ?? DEFAULT_CIFAR10_MIRRORS,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs,
      onProgress: opts.onProgress,
      signal: opts.signal,
    }, `Connect to the network once, or download ${archive.name} (${formatMB(archive.size ?? 0)} MB) yourself and copy it into ${cacheDir}.`);
    await unpackCifarArchive(archivePath, unpackedDir, archive.sha256, opts.onProgress);
  }
  opts.onProgress?.({ task: 'Reading CIFAR-10 batches', fraction: null });
  const { train, test } = await readCifarBatches(unpackedDir);
  return { ...base, train, test, source: `CIFAR-10 binary version, SHA-256 verified, unpacked in ${unpackedDir}` };
}
