import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnLabError } from '../../../src/shared/errors';
import { encodeIdx, idxToImageSet, parseIdx, readIdxFile } from '../../../src/trainer/data/idx';
import { gzip, tempDir } from './helpers';

function images(n: number, h: number, w: number): Uint8Array {
  const data = new Uint8Array(n * h * w);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) % 256;
  return data;
}

function isError(code: string, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof CnnLabError, `expected CnnLabError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.ok(err.hint && err.hint.length > 0, 'errors carry a hint');
    return true;
  };
}

describe('data/idx', () => {
  it('parses a 3-D unsigned-byte IDX buffer written in the MNIST layout', () => {
    const data = images(5, 28, 28);
    const buf = encodeIdx([5, 28, 28], data);
    // The header is the documented one: 00 00 08 03, then big-endian sizes.
    assert.deepEqual([...buf.subarray(0, 8)], [0, 0, 8, 3, 0, 0, 0, 5]);
    const idx = parseIdx(buf, 'x');
    assert.deepEqual(idx.dims, [5, 28, 28]);
    assert.deepEqual(idx.data, data);
  });

  it('reads gzipped and plain files, recognising gzip by its magic bytes', async () => {
    const dir = await tempDir('idx');
    try {
      const labels = Uint8Array.from([3, 1, 4, 1, 5]);
      const plain = join(dir.path, 'labels-idx1-ubyte');
      const gz = join(dir.path, 'images.bin');
      await writeFile(plain, encodeIdx([5], labels));
      await writeFile(gz, gzip(encodeIdx([5, 28, 28], images(5, 28, 28))));
      const l = await readIdxFile(plain);
      const i = await readIdxFile(gz);
      assert.deepEqual([...l.data], [3, 1, 4, 1, 5]);
      const set = idxToImageSet(i, l, { imagesFile: 'i', labelsFile: 'l', height: 28, width: 28, numClasses: 10 });
      assert.equal(set.count, 5);
      assert.equal(set.images.length, 5 * 784);
    } finally {
      await dir.remove();
    }
  });

  it('rejects a bad magic number', () => {
    const buf = encodeIdx([2, 2, 2], images(2, 2, 2));
    buf[0] = 0x1f;
    assert.throws(() => parseIdx(buf, 'bad.idx'), isError('E_DATASET_CORRUPT', /bad\.idx: bad magic number 0x1f000803/));
  });

  it('rejects element types other than unsigned byte', () => {
    const buf = encodeIdx([4], new Uint8Array(4));
    buf[2] = 0x0d;
    assert.throws(() => parseIdx(buf, 'f.idx'), isError('E_DATASET_CORRUPT', /float is not supported/));
  });

  it('says how many bytes a truncated file lacks', () => {
    const buf = encodeIdx([3, 28, 28], images(3, 28, 28));
    assert.throws(() => parseIdx(buf.subarray(0, buf.length - 100), 't.idx'), isError('E_DATASET_CORRUPT', /truncated: dimensions 3×28×28 need 2368 bytes, file has 2268/));
    assert.throws(() => parseIdx(buf.subarray(0, 10), 't.idx'), isError('E_DATASET_CORRUPT', /truncated header: 3 dimensions need 16 bytes, file has 10/));
    const extra = new Uint8Array(buf.length + 3);
    extra.set(buf);
    assert.throws(() => parseIdx(extra, 'x.idx'), isError('E_DATASET_CORRUPT', /3 unexpected bytes/));
  });

  it('reports a truncated gzip stream as corrupt, naming the file', async () => {
    const dir = await tempDir('idx');
    try {
      const gz = gzip(encodeIdx([50, 28, 28], images(50, 28, 28)));
      const path = join(dir.path, 'cut-idx3-ubyte.gz');
      await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));
      await assert.rejects(readIdxFile(path), isError('E_DATASET_CORRUPT', /cut-idx3-ubyte\.gz: gzip data is damaged or truncated/));
      await assert.rejects(readIdxFile(join(dir.path, 'missing.gz')), isError('E_DATASET_UNAVAILABLE', /Cannot read/));
    } finally {
      await dir.remove();
    }
  });

  it('checks images against labels: shape, count and class range', () => {
    const imgs = parseIdx(encodeIdx([2, 28, 28], images(2, 28, 28)));
    const expect = { imagesFile: 'i', labelsFile: 'l', height: 28, width: 28, numClasses: 10 };
    assert.throws(() => idxToImageSet(imgs, parseIdx(encodeIdx([3], new Uint8Array(3))), expect), isError('E_DATASET_CORRUPT', /expected 2 labels/));
    assert.throws(() => idxToImageSet(imgs, parseIdx(encodeIdx([2], Uint8Array.from([1, 10]))), expect), isError('E_DATASET_CORRUPT', /label 10 at index 1 is outside 0\.\.9/));
    assert.throws(() => idxToImageSet(imgs, parseIdx(encodeIdx([2], new Uint8Array(2))), { ...expect, height: 32, width: 32 }), isError('E_DATASET_CORRUPT', /expected images of shape \[n, 32, 32\]/));
  });
});
