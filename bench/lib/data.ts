/**
 * Data for the benchmark and the course runs: MNIST (the official 60,000 / 10,000, downloaded when
 * a mirror answers, else the verified offline copy), and CIFAR-10 as an image folder (the JPEG copy in ../shared/data on the
 * development machines, unpacked into the cache outside the repository), plus the export of the
 * exact training samples CNN Lab trains on, for the Keras and PyTorch runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSpec, ModelSpec } from '../../src/shared/modelSpec';
import { loadDataset, type LoadedDataset } from '../../src/trainer/data/index';
import { prepareData } from '../../src/trainer/train';
import { ROOT, cacheRoot } from './common';

/** Port 9 (discard) refuses at once: MNIST takes its offline copy without waiting on the network. */
export const OFFLINE_MIRRORS: readonly string[] = ['http://127.0.0.1:9/'];

export function dataDir(): string {
  return process.env.CNN_LAB_DATA_DIR ? path.resolve(process.env.CNN_LAB_DATA_DIR) : path.join(cacheRoot(), 'data');
}

export interface CifarFolder {
  /** Folder with train/<class>/ and test/<class>/. */
  readonly dir: string;
  /** How to report it. */
  readonly source: string;
}

const CIFAR_README_NOTE = 'CIFAR-10 as 32×32 JPEG files (a lossy re-encoding of the original images, so accuracies are not exactly comparable to the binary version), loaded as an image folder';

/**
 * Finds CIFAR-10 as an image folder: `--cifar DIR` / $CNN_LAB_CIFAR_DIR, an earlier unpacked copy
 * in the cache, or `cifar10-jpeg.tar.gz` in the shared data folder next to the repository, which
 * is unpacked into the cache (never into the repository). Null when none exists.
 */
export function findCifarFolder(explicit?: string): CifarFolder | null {
  const given = explicit ?? process.env.CNN_LAB_CIFAR_DIR;
  if (given) {
    const dir = path.resolve(given);
    if (!fs.existsSync(path.join(dir, 'train'))) throw new Error(`${dir} has no train/ folder of class folders`);
    return { dir, source: `${CIFAR_README_NOTE} from ${dir}` };
  }
  const cached = path.join(cacheRoot(), 'cifar10-jpeg');
  const tarball = path.resolve(ROOT, '..', 'shared', 'data', 'cifar10-jpeg.tar.gz');
  if (!fs.existsSync(path.join(cached, 'train', 'truck')) && fs.existsSync(tarball)) {
    fs.mkdirSync(cached, { recursive: true });
    const r = spawnSync('tar', ['xzf', tarball, '-C', cached], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`unpacking ${tarball} failed: ${r.stderr}`);
  }
  if (fs.existsSync(path.join(cached, 'train', 'truck'))) {
    return { dir: cached, source: `${CIFAR_README_NOTE} (cifar10-jpeg.tar.gz unpacked into ${cached})` };
  }
  return null;
}

export function folderDataset(dir: string): DatasetSpec {
  return { kind: 'folder', path: dir, imageSize: [32, 32], testSplit: 0.2 };
}

/** Loads a model's data set in this process (which also fills the decode cache the trainer then reads). */
export async function loadFor(spec: ModelSpec, mirrors: readonly string[] = OFFLINE_MIRRORS, log?: (line: string) => void): Promise<LoadedDataset> {
  let last = 0;
  return loadDataset(spec.dataset, {
    dataDir: dataDir(), modelDir: ROOT, grayscale: spec.grayscale, seed: spec.train.seed, mirrors,
    onProgress: (p) => {
      const now = Date.now();
      if (log && now - last > 5000) {
        last = now;
        log(`  ${p.task}${p.fraction !== null ? ` ${Math.round(p.fraction * 100)}%` : ''}`);
      }
    },
  });
}

export interface ExportedSlice {
  readonly images: string;
  readonly labels: string;
  readonly count: number;
  readonly source: string;
}

/**
 * Writes the training samples the trainer will train on for this spec and cap (the same seeded
 * validation split, in the same order) as raw uint8 files for the Python runs.
 */
export function exportTrainingSlice(ds: LoadedDataset, spec: ModelSpec, maxTrainSamples: number, outDir: string, name: string): ExportedSlice {
  const prepared = prepareData(ds, spec, maxTrainSamples);
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const n = prepared.trainIndices.length;
  const images = new Uint8Array(n * per);
  const labels = new Uint8Array(n);
  prepared.trainIndices.forEach((idx, k) => {
    images.set(ds.train.images.subarray(idx * per, (idx + 1) * per), k * per);
    labels[k] = ds.train.labels[idx] ?? 0;
  });
  fs.mkdirSync(outDir, { recursive: true });
  const imagesFile = path.join(outDir, `${name}-images.u8`);
  const labelsFile = path.join(outDir, `${name}-labels.u8`);
  fs.writeFileSync(imagesFile, images);
  fs.writeFileSync(labelsFile, labels);
  return { images: imagesFile, labels: labelsFile, count: n, source: ds.source };
}
