import { strict as assert } from 'node:assert';
import { toGrayscale } from '../../../src/trainer/data/index';
import { Random, deriveSeed, mulberry32 } from '../../../src/trainer/data/random';

describe('data/random and grayscale', () => {
  it('mulberry32 repeats for a seed, differs between seeds and is uniform in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 20_000 }, () => a());
    assert.deepEqual(Array.from({ length: 20_000 }, () => b()), xs);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c()), xs.slice(0, 20));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]! += 1;
    for (const n of buckets) assert.ok(Math.abs(n - 2000) < 200, `bucket ${n}`);
  });

  it('permutations hold every index once; normals have mean 0 and variance 1', () => {
    const rng = new Random(7);
    const p = rng.permutation(1000);
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
    const zs = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, variance ${variance}`);
  });

  it('derived seeds differ by purpose and by seed', () => {
    const seeds = new Set([deriveSeed(1, 'a'), deriveSeed(1, 'b'), deriveSeed(2, 'a'), deriveSeed(2, 'b')]);
    assert.equal(seeds.size, 4);
    assert.equal(deriveSeed(1, 'a'), deriveSeed(1, 'a'));
  });

  it('toGrayscale applies BT.601 luma per pixel and leaves one-channel sets alone', () => {
    const set = { images: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 200, 30, 0, 0, 0]), labels: Uint8Array.from([1]), count: 1 };
    const g = toGrayscale(set, [2, 3, 3]);
    assert.deepEqual([...g.images], [76, 150, 29, 255, Math.round(0.299 * 10 + 0.587 * 200 + 0.114 * 30), 0]);
    assert.equal(g.labels, set.labels);
    assert.equal(toGrayscale(g, [2, 3, 1]), g);
    assert.throws(() => toGrayscale({ ...set, count: 2 }, [2, 3, 3]), /do not hold 2 images/);
  });
});
