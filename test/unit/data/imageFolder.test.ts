import { strict as assert } from 'node:assert';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CnnLabError } from '../../../src/shared/errors';
import { loadDataset } from '../../../src/trainer/data/index';
import { asBytes } from '../../../src/shared/bytes';
import { resizeRgbaToRgb } from '../../../src/shared/imageResize';
import { decodeImage } from '../../../src/trainer/data/imageFolder';
import { tempDir } from './helpers';

type Rgba = readonly [number, number, number, number];

function solid(width: number, height: number, colour: Rgba): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set(colour, p * 4);
  return data;
}

function png(width: number, height: number, data: Uint8Array, colorType: 0 | 2 | 6 = 6): Uint8Array {
  const img = new PNG({ width, height });
  img.data.set(data);
  return asBytes(PNG.sync.write(img, { colorType }));
}

function jpg(width: number, height: number, data: Uint8Array): Uint8Array {
  return asBytes(jpeg.encode({ width, height, data }, 95).data);
}

async function put(root: string, rel: string, bytes: Uint8Array): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, bytes);
}

function pixelsOfClass(images: Uint8Array, labels: Uint8Array, label: number, bytesPerImage: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  labels.forEach((l, i) => {
    if (l === label) out.push(images.subarray(i * bytesPerImage, (i + 1) * bytesPerImage));
  });
  return out;
}

const ZEBRA: Rgba = [200, 30, 60, 255];
const APPLE: Rgba = [20, 180, 90, 255];
const MANGO: Rgba = [10, 20, 250, 0]; // fully transparent: alpha is dropped, colour kept

describe('data/image folder', function () {
  this.timeout(20_000);

  it('resizes each image with the shared resize (as the dashboard resizes the own image)', async () => {
    const dir = await tempDir('folder');
    try {
      const noise = (seed: number): Uint8Array => Uint8Array.from({ length: 23 * 17 * 4 }, (_, i) => (i * 131 + seed * 71 + ((i * i) >> 3)) % 256);
      const files = { a: png(23, 17, noise(1)), b: png(23, 17, noise(2)) };
      for (const [c, bytes] of Object.entries(files)) await put(dir.path, `noise/${c}/x.png`, bytes);
      const ds = await loadDataset({ kind: 'folder', path: 'noise', imageSize: [9, 11], testSplit: 0 }, { dataDir: join(dir.path, 'cache'), modelDir: dir.path, grayscale: false, seed: 1 });
      assert.deepEqual(ds.shape, [9, 11, 3]);
      for (const [label, bytes] of Object.values(files).entries()) {
        const img = decodeImage(bytes, 'x.png');
        assert.deepEqual(pixelsOfClass(ds.train.images, ds.train.labels, label, 9 * 11 * 3)[0], resizeRgbaToRgb(img.data, img.width, img.height, 11, 9));
      }
    } finally {
      await dir.remove();
    }
  });

  it('loads PNG and JPEG class folders, sorted by name, resized, split by class with the seed', async () => {
    const dir = await tempDir('folder');
    try {
      const root = join(dir.path, 'fruit');
      for (let i = 0; i < 4; i++) {
        await put(root, `zebra/z${i}.png`, png(40, 20, solid(40, 20, ZEBRA), 2));
        await put(root, `apple/a${i}.JPG`, jpg(64, 48, solid(64, 48, APPLE)));
        await put(root, `mango/m${i}.png`, png(16, 16, solid(16, 16, MANGO)));
      }
      await put(root, 'mango/notes.txt', new TextEncoder().encode('not an image, ignored'));
      const spec = { kind: 'folder', path: 'fruit', imageSize: [8, 8], testSplit: 0.25 } as const;
      const opts = { dataDir: join(dir.path, 'cache'), modelDir: dir.path, grayscale: false, seed: 4 };
      const ds = await loadDataset(spec, opts);
      assert.equal(ds.name, 'fruit');
      assert.deepEqual(ds.classNames, ['apple', 'mango', 'zebra']);
      assert.deepEqual(ds.shape, [8, 8, 3]);
      assert.equal(ds.train.count, 9);
      assert.equal(ds.test.count, 3);
      assert.deepEqual([...ds.test.labels].sort(), [0, 1, 2]);
      assert.match(ds.source, /12 images resized to 8×8, split by a stratified 25 % test split with seed 4\)$/);
      const per = 8 * 8 * 3;
      for (const [label, colour, tolerance] of [[0, APPLE, 3], [1, MANGO, 0], [2, ZEBRA, 0]] as const) {
        for (const img of pixelsOfClass(ds.train.images, ds.train.labels, label, per)) {
          for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) {
            assert.ok(Math.abs((img[p * 3 + c] ?? 0) - (colour[c] ?? 0)) <= tolerance, `class ${label} pixel ${p}: ${img[p * 3 + c]} vs ${colour[c]}`);
          }
        }
      }
      // Second load comes from the decoded cache, identical; a changed file invalidates it.
      const again = await loadDataset(spec, opts);
      assert.match(again.source, /decoded copy from the cache\)$/);
      assert.deepEqual(again.train.images, ds.train.images);
      assert.deepEqual(again.test.labels, ds.test.labels);
      await utimes(join(root, 'zebra/z0.png'), new Date(), new Date(Date.now() + 5000));
      assert.doesNotMatch((await loadDataset(spec, opts)).source, /from the cache/);
      // Another seed, another split.
      const other = await loadDataset(spec, { ...opts, seed: 5 });
      assert.notDeepEqual(other.train.images, ds.train.images);
    } finally {
      await dir.remove();
    }
  });

  it('uses train/ and test/ folders when present, keeps grey images as one channel, applies grayscale to colour', async () => {
    const dir = await tempDir('folder');
    try {
      const grey = (v: number): Uint8Array => solid(12, 12, [v, v, v, 255]);
      for (let i = 0; i < 3; i++) {
        await put(dir.path, `digits/train/dark/d${i}.png`, png(12, 12, grey(30 + i), 0));
        await put(dir.path, `digits/train/light/l${i}.jpeg`, jpg(12, 12, grey(220)));
      }
      await put(dir.path, 'digits/test/dark/t.png', png(12, 12, grey(40), 0));
      await put(dir.path, 'digits/test/light/t.png', png(12, 12, grey(210), 0));
      const ds = await loadDataset({ kind: 'folder', path: join(dir.path, 'digits'), imageSize: [6, 6], testSplit: 0.5 }, { dataDir: join(dir.path, 'cache'), modelDir: '/', grayscale: false, seed: 1 });
      assert.deepEqual(ds.shape, [6, 6, 1]);
      assert.equal(ds.train.count, 6);
      assert.equal(ds.test.count, 2);
      assert.match(ds.source, /split by its train\/ and test\/ folders/);
      assert.deepEqual([...ds.test.images.subarray(0, 36)], new Array(36).fill(40));
      // A colour folder with grayscale: BT.601 luma of the solid colour.
      await put(dir.path, 'c/red/r.png', png(4, 4, solid(4, 4, [255, 0, 0, 255])));
      await put(dir.path, 'c/blue/b.png', png(4, 4, solid(4, 4, [0, 0, 255, 255])));
      const c = await loadDataset({ kind: 'folder', path: 'c', imageSize: [4, 4], testSplit: 0 }, { dataDir: join(dir.path, 'cache'), modelDir: dir.path, grayscale: true, seed: 1 });
      assert.deepEqual(c.shape, [4, 4, 1]);
      assert.equal(c.test.count, 0);
      const red = pixelsOfClass(c.train.images, c.train.labels, c.classNames.indexOf('red'), 16)[0];
      const blue = pixelsOfClass(c.train.images, c.train.labels, c.classNames.indexOf('blue'), 16)[0];
      assert.equal(red?.[0], Math.round(0.299 * 255));
      assert.equal(blue?.[0], Math.round(0.114 * 255));
    } finally {
      await dir.remove();
    }
  });

  it('names the folder or file at fault', async () => {
    const dir = await tempDir('folder');
    const opts = { dataDir: join(dir.path, 'cache'), modelDir: dir.path, grayscale: false, seed: 1 };
    const spec = (path: string) => ({ kind: 'folder', path, imageSize: [8, 8], testSplit: 0.2 }) as const;
    const fails = (code: string, pattern: RegExp) => (err: unknown): boolean => {
      assert.ok(err instanceof CnnLabError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, pattern);
      assert.ok(err.hint);
      return true;
    };
    try {
      await assert.rejects(loadDataset(spec('missing'), opts), fails('E_DATASET_UNAVAILABLE', /missing cannot be read/));
      await put(dir.path, 'one/cats/a.png', png(2, 2, solid(2, 2, ZEBRA)));
      await assert.rejects(loadDataset(spec('one'), opts), fails('E_DATASET_UNAVAILABLE', /needs at least two class sub-folders, found 1/));
      await mkdir(join(dir.path, 'one/dogs'));
      await assert.rejects(loadDataset(spec('one'), opts), fails('E_DATASET_UNAVAILABLE', /one\/dogs holds no PNG or JPEG images/));
      await put(dir.path, 'one/dogs/broken.png', new TextEncoder().encode('this is not a PNG'));
      await assert.rejects(loadDataset(spec('one'), opts), fails('E_DATASET_CORRUPT', /Cannot decode image .*one\/dogs\/broken\.png: neither PNG nor JPEG/));
      const truncated = png(8, 8, solid(8, 8, APPLE));
      await put(dir.path, 'one/dogs/broken.png', truncated.subarray(0, 40));
      await assert.rejects(loadDataset(spec('one'), opts), fails('E_DATASET_CORRUPT', /Cannot decode image .*broken\.png/));
      assert.throws(() => decodeImage(jpg(4, 4, solid(4, 4, APPLE)).subarray(0, 30), 'x.jpg'), /Cannot decode image x\.jpg/);
    } finally {
      await dir.remove();
    }
  });
});
