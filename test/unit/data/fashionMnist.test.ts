import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnLabError } from '../../../src/shared/errors';
import { DATASETS } from '../../../src/shared/datasets';
import { loadDataset } from '../../../src/trainer/data/index';
import { DEFAULT_LOCAL_FASHION_MNIST_DIR, FASHION_MNIST_FILES } from '../../../src/trainer/data/fashionMnist';
import type { ImageSet } from '../../../src/trainer/data/types';
import { bytesRoute, closedPortUrl, gunzip, gzip, readBytes, sha256Hex, startServer, tempDir } from './helpers';

const FASHION = { kind: 'builtin', name: 'fashion-mnist' } as const;
const LOCAL = DEFAULT_LOCAL_FASHION_MNIST_DIR;
const present = Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(LOCAL, f.name)));

function counts(set: ImageSet): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of set.labels) c[l] = (c[l] ?? 0) + 1;
  return c;
}

/**
 * Debian stores the gz files without the original file name (FNAME) and with its own mtime; the
 * compressed stream is Zalando's. Restoring the header gives back the exact published bytes.
 */
function upstreamBytes(debian: Uint8Array, name: string, mtime: number): Uint8Array {
  const header = debian.slice(0, 10);
  header[3] = 0x08;
  new DataView(header.buffer).setUint32(4, mtime, true);
  const fname = new TextEncoder().encode(`${name.replace(/\.gz$/, '')}\0`);
  const out = new Uint8Array(debian.length + fname.length);
  out.set(header, 0);
  out.set(fname, 10);
  out.set(debian.subarray(10), 10 + fname.length);
  return out;
}

describe('data/fashion-mnist', function () {
  this.timeout(30_000);

  before(function () {
    if (!present) {
      console.log(`      (skipped: ${LOCAL} is absent; install Debian's dataset-fashion-mnist to run these tests)`);
      this.skip();
    }
  });

  it('loads the real Debian copy, verified by content checksum', async () => {
    const cache = await tempDir('fashion');
    try {
      const ds = await loadDataset(FASHION, { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1, mirrors: [await closedPortUrl()] });
      assert.equal(ds.source, `Fashion-MNIST from ${LOCAL} (content SHA-256 verified)`);
      assert.deepEqual(ds.shape, [28, 28, 1]);
      assert.deepEqual(ds.classNames, DATASETS['fashion-mnist'].classNames);
      assert.equal(ds.train.count, 60_000);
      assert.equal(ds.test.count, 10_000);
      // Fashion-MNIST is exactly balanced.
      assert.deepEqual(counts(ds.train), new Array(10).fill(6000));
      assert.deepEqual(counts(ds.test), new Array(10).fill(1000));
    } finally {
      await cache.remove();
    }
  });

  it('rejects a damaged local copy with E_CHECKSUM and a hint, when no mirror can replace it', async () => {
    const dir = await tempDir('fashion-bad');
    try {
      for (const f of [FASHION_MNIST_FILES.trainImages, FASHION_MNIST_FILES.trainLabels, FASHION_MNIST_FILES.testImages]) {
        await symlink(join(LOCAL, f.name), join(dir.path, f.name));
      }
      // A copy whose first test label is changed: still valid gzip and IDX, wrong content.
      const labels = gunzip(await readBytes(join(LOCAL, FASHION_MNIST_FILES.testLabels.name)));
      labels[8] = ((labels[8] ?? 0) + 1) % 10;
      await writeFile(join(dir.path, FASHION_MNIST_FILES.testLabels.name), gzip(labels));
      const closed = await closedPortUrl();
      await assert.rejects(
        loadDataset(FASHION, { dataDir: join(dir.path, 'cache'), modelDir: dir.path, grayscale: false, seed: 1, localFashionMnistDir: dir.path, fashionMnistMirrors: [closed] }),
        (err: unknown) => {
          assert.ok(err instanceof CnnLabError);
          assert.equal(err.code, 'E_CHECKSUM');
          assert.match(err.message, /t10k-labels-idx1-ubyte\.gz: content SHA-256 .* does not match/);
          assert.match(err.hint ?? '', /apt-get install/);
          return true;
        },
      );
    } finally {
      await dir.remove();
    }
  });

  it('downloads from a mirror when there is no local copy, checking the published digests', async () => {
    const cache = await tempDir('fashion-dl');
    // The published files, rebuilt from Debian's (see upstreamBytes); original mtimes 2017-08-31.
    const mtimes: Record<string, number> = { train: 1_504_176_606, t10k: 1_504_176_627 };
    const routes: Record<string, ReturnType<typeof bytesRoute>> = {};
    for (const f of Object.values(FASHION_MNIST_FILES)) {
      const bytes = upstreamBytes(await readBytes(join(LOCAL, f.name)), f.name, mtimes[f.name.split('-')[0] ?? ''] ?? 0);
      assert.equal(sha256Hex(bytes), f.sha256, `${f.name} rebuilt byte for byte`);
      routes[`/fashion/${f.name}`] = bytesRoute(bytes);
    }
    const server = await startServer(routes);
    try {
      const ds = await loadDataset(FASHION, {
        dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 1,
        localFashionMnistDir: join(cache.path, 'nothing-here'),
        fashionMnistMirrors: [await closedPortUrl(), `${server.base}/fashion/`],
      });
      assert.equal(ds.source, `Fashion-MNIST, SHA-256 verified, cache ${join(cache.path, 'fashion-mnist')}`);
      assert.equal(ds.train.count, 60_000);
      assert.deepEqual(counts(ds.test), new Array(10).fill(1000));
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});
