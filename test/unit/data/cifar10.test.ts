import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnLabError } from '../../../src/shared/errors';
import { DATASETS } from '../../../src/shared/datasets';
import { CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10, parseCifarBatch, unpackCifarArchive } from '../../../src/trainer/data/cifar10';
import { concatBytes } from '../../../src/shared/bytes';
import { readTar, type TarEntry } from '../../../src/trainer/data/tar';
import { bytesRoute, closedPortUrl, gzip, sha256Hex, startServer, tempDir, writeUstar } from './helpers';

/** Pixel value of record `r`, channel `c`, row `y`, column `x` in the generated batches. */
const pixel = (r: number, c: number, y: number, x: number): number => (r * 13 + c * 80 + y * 7 + x * 3) % 256;

/** A batch in the CIFAR-10 binary format: per record one label byte, then the R, G and B 32×32 planes. */
function makeBatch(records: number, firstRecord: number): Uint8Array {
  const buf = new Uint8Array(records * CIFAR10_RECORD_BYTES);
  for (let k = 0; k < records; k++) {
    const r = firstRecord + k;
    const at = k * CIFAR10_RECORD_BYTES;
    buf[at] = r % 10;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) buf[at + 1 + c * 1024 + y * 32 + x] = pixel(r, c, y, x);
  }
  return buf;
}

const PER_BATCH = 7;

/** The archive as published: a `cifar-10-batches-bin/` folder with six batches and two text files. */
function makeArchiveEntries() {
  const dir = 'cifar-10-batches-bin';
  const entries: { name: string; data: Uint8Array | null }[] = [{ name: `${dir}/`, data: null }];
  CIFAR10_TRAIN_FILES.forEach((f, i) => entries.push({ name: `${dir}/${f}`, data: makeBatch(PER_BATCH, i * PER_BATCH) }));
  entries.push({ name: `${dir}/${CIFAR10_TEST_FILE}`, data: makeBatch(PER_BATCH, 1000) });
  entries.push({ name: `${dir}/batches.meta.txt`, data: new TextEncoder().encode(`${DATASETS.cifar10.classNames.join('\n')}\n`) });
  entries.push({ name: `${dir}/readme.html`, data: new TextEncoder().encode('<meta HTTP-EQUIV="REFRESH" content="0; URL=http://www.cs.toronto.edu/~kriz/cifar.html">\n') });
  return entries;
}

async function* chunked(data: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const n = sizes[i++ % sizes.length] ?? 1;
    yield data.subarray(at, at + n);
    at += n;
  }
}

describe('data/cifar10', function () {
  this.timeout(20_000);

  it('converts binary records from CHW planes to HWC pixels', () => {
    const set = parseCifarBatch(makeBatch(3, 5), 'b.bin');
    assert.equal(set.count, 3);
    assert.deepEqual([...set.labels], [5, 6, 7]);
    for (const [r, y, x] of [[0, 0, 0], [1, 31, 0], [2, 17, 29]] as const) {
      for (let c = 0; c < 3; c++) assert.equal(set.images[((r * 32 + y) * 32 + x) * 3 + c], pixel(5 + r, c, y, x));
    }
    assert.throws(() => parseCifarBatch(new Uint8Array(CIFAR10_RECORD_BYTES + 5), 'cut.bin'), (e: unknown) => e instanceof CnnLabError && e.code === 'E_DATASET_CORRUPT' && /cut\.bin: 3078 bytes/.test(e.message));
    const badLabel = makeBatch(1, 0);
    badLabel[0] = 10;
    assert.throws(() => parseCifarBatch(badLabel, 'l.bin'), /record 0 has label 10/);
  });

  it('reads a ustar stream however it is chunked', async () => {
    const tar = writeUstar(makeArchiveEntries());
    for (const sizes of [[tar.length], [1], [511, 513, 7], [4096, 100]]) {
      const seen: { entry: TarEntry; bytes: number; sha: string }[] = [];
      await readTar(chunked(tar, sizes), (entry) => {
        const parts: Uint8Array[] = [];
        const record = { entry, bytes: 0, sha: '' };
        seen.push(record);
        return {
          write: (c) => { parts.push(c.slice()); record.bytes += c.length; },
          end: () => { record.sha = sha256Hex(concatBytes(parts)); },
        };
      });
      const expected = makeArchiveEntries();
      assert.deepEqual(seen.map((s) => s.entry.name), expected.map((e) => e.name), `chunks ${sizes.join(',')}`);
      seen.forEach((s, i) => {
        const data = expected[i]?.data;
        assert.equal(s.entry.type, data ? 'file' : 'directory');
        if (data) assert.equal(s.sha, sha256Hex(data));
      });
    }
  });

  it('reads archives written by the system tar, including long (GNU or PAX) names', async function () {
    let version = '';
    try {
      version = execFileSync('tar', ['--version'], { encoding: 'utf8' });
    } catch {
      console.log('      (skipped: no tar command on this machine)');
      this.skip();
    }
    const dir = await tempDir('tar');
    try {
      const deep = join(dir.path, 'src', 'a'.repeat(60), 'b'.repeat(60));
      await mkdir(deep, { recursive: true });
      const longName = `${'c'.repeat(90)}.bin`;
      const content = makeBatch(2, 3);
      await writeFile(join(deep, longName), content);
      execFileSync('tar', ['-czf', join(dir.path, 'x.tar.gz'), '-C', join(dir.path, 'src'), '.']);
      const found: string[] = [];
      const { createReadStream } = await import('node:fs');
      const { createGunzip } = await import('node:zlib');
      await readTar(createReadStream(join(dir.path, 'x.tar.gz')).pipe(createGunzip()), (e) => {
        found.push(e.name);
        return null;
      });
      assert.ok(found.some((n) => n.endsWith(`${'a'.repeat(60)}/${'b'.repeat(60)}/${longName}`)), `${version.split('\n')[0]}: ${found.join(', ')}`);
    } finally {
      await dir.remove();
    }
  });

  it('downloads, verifies, unpacks and parses cifar-10-binary.tar.gz, then reuses the unpacked cache', async () => {
    const cache = await tempDir('cifar');
    const archive = gzip(writeUstar(makeArchiveEntries()));
    const file = { name: 'cifar-10-binary.tar.gz', sha256: sha256Hex(archive), size: archive.length };
    const server = await startServer({ '/kriz/cifar-10-binary.tar.gz': bytesRoute(archive) });
    try {
      const opts = { dataDir: cache.path, modelDir: cache.path, grayscale: false, seed: 0, cifar10Mirrors: [`${server.base}/kriz/`] };
      const tasks: string[] = [];
      const ds = await loadCifar10({ ...opts, onProgress: (p) => tasks.push(p.task) }, file);
      assert.ok(tasks.includes('Unpacking cifar-10-binary.tar.gz'));
      assert.deepEqual(ds.shape, [32, 32, 3]);
      assert.deepEqual(ds.classNames, DATASETS.cifar10.classNames);
      assert.equal(ds.train.count, 5 * PER_BATCH);
      assert.equal(ds.test.count, PER_BATCH);
      // Train records keep batch order; test record k is record 1000 + k.
      for (const r of [0, 8, 34]) {
        assert.equal(ds.train.labels[r], r % 10);
        assert.equal(ds.train.images[((r * 32 + 4) * 32 + 9) * 3 + 2], pixel(r, 2, 4, 9));
      }
      assert.equal(ds.test.images[((3 * 32 + 31) * 32 + 31) * 3 + 1], pixel(1003, 1, 31, 31));
      const unpacked = join(cache.path, 'cifar10', 'cifar-10-batches-bin');
      assert.deepEqual((await readdir(unpacked)).sort(), [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, 'unpacked.json'].sort());
      // Second load: nothing downloaded or unpacked again, even with the mirror gone.
      await server.close();
      const again = await loadCifar10({ ...opts, cifar10Mirrors: [await closedPortUrl()] }, file);
      assert.deepEqual(again.train.images, ds.train.images);
      assert.equal(server.hits.get('/kriz/cifar-10-binary.tar.gz'), 1);
    } finally {
      await server.close();
      await cache.remove();
    }
  });

  it('reports truncated and incomplete archives as corrupt, leaving no half-unpacked folder', async () => {
    const dir = await tempDir('cifar-bad');
    try {
      const full = gzip(writeUstar(makeArchiveEntries()));
      const cut = join(dir.path, 'cut.tar.gz');
      await writeFile(cut, full.subarray(0, Math.floor(full.length * 0.6)));
      await assert.rejects(unpackCifarArchive(cut, join(dir.path, 'out'), 'x'), (e: unknown) => e instanceof CnnLabError && e.code === 'E_DATASET_CORRUPT');
      const partial = join(dir.path, 'partial.tar.gz');
      await writeFile(partial, gzip(writeUstar(makeArchiveEntries().filter((e) => !e.name.endsWith('test_batch.bin')))));
      await assert.rejects(unpackCifarArchive(partial, join(dir.path, 'out'), 'x'), /partial\.tar\.gz lacks test_batch\.bin/);
      const notTar = join(dir.path, 'text.tar.gz');
      await writeFile(notTar, gzip(new Uint8Array(2048).fill(65)));
      await assert.rejects(unpackCifarArchive(notTar, join(dir.path, 'out'), 'x'), /header checksum mismatch/);
      assert.deepEqual((await readdir(dir.path)).sort(), ['cut.tar.gz', 'partial.tar.gz', 'text.tar.gz']);
    } finally {
      await dir.remove();
    }
  });
});
