import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { DATASETS } from '../../../src/shared/datasets';
import { loadDataset, toGrayscale } from '../../../src/trainer/data/index';
import { generateShapes, loadShapes } from '../../../src/trainer/data/shapes';
import type { ImageSet } from '../../../src/trainer/data/types';

const PX = 32 * 32;

/**
 * Pixels that differ from the background: the image is box-blurred 3×3 (to tame the noise), the
 * background is the mean of the blurred border, and a pixel is foreground when its blurred colour
 * lies more than 30 levels away from it. Returns the foreground mask.
 */
function foreground(set: ImageSet, i: number, channels: number): Uint8Array {
  const img = set.images.subarray(i * PX * channels, (i + 1) * PX * channels);
  const blurred = new Float64Array(PX * channels);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < channels; c++) {
    let s = 0;
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy > 31 || xx < 0 || xx > 31) continue;
      s += img[(yy * 32 + xx) * channels + c] ?? 0;
      n++;
    }
    blurred[(y * 32 + x) * channels + c] = s / n;
  }
  const bg = new Float64Array(channels);
  let border = 0;
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    if (y > 0 && y < 31 && x > 0 && x < 31) continue;
    border++;
    for (let c = 0; c < channels; c++) bg[c] = (bg[c] ?? 0) + (blurred[(y * 32 + x) * channels + c] ?? 0);
  }
  const mask = new Uint8Array(PX);
  for (let p = 0; p < PX; p++) {
    let d = 0;
    for (let c = 0; c < channels; c++) d += ((blurred[p * channels + c] ?? 0) - (bg[c] ?? 0) / border) ** 2;
    mask[p] = Math.sqrt(d) > 30 ? 1 : 0;
  }
  return mask;
}

/** Best accuracy a single threshold on `feature` reaches at telling class a from class b. */
function thresholdAccuracy(values: readonly { feature: number; positive: boolean }[]): number {
  const sorted = [...values].sort((p, q) => p.feature - q.feature);
  const positives = sorted.filter((v) => v.positive).length;
  let best = 0;
  let posBelow = 0;
  for (let k = 0; k <= sorted.length; k++) {
    // Predict "positive" above the cut, and the reverse; keep the better.
    const negBelow = k - posBelow;
    const acc = (negBelow + (positives - posBelow)) / sorted.length;
    best = Math.max(best, acc, 1 - acc);
    if (k < sorted.length && sorted[k]?.positive) posBelow++;
  }
  return best;
}

describe('data/shapes', () => {
  const set = generateShapes(1800, 11);

  it('is deterministic for a seed and different for another', () => {
    const a = generateShapes(90, 5);
    const b = generateShapes(90, 5);
    const c = generateShapes(90, 6);
    assert.deepEqual(a.images, b.images);
    assert.deepEqual(a.labels, b.labels);
    assert.notDeepEqual(a.images, c.images);
  });

  it('has the counts, shape and balanced classes of DATASETS.shapes', () => {
    const info = DATASETS.shapes;
    const ds = loadShapes({ seed: 3 });
    assert.deepEqual(ds.shape, info.inputShape);
    assert.deepEqual(ds.classNames, info.classNames);
    assert.equal(ds.train.count, info.trainCount);
    assert.equal(ds.test.count, info.testCount);
    for (const [part, n] of [[ds.train, info.trainCount], [ds.test, info.testCount]] as const) {
      const counts = new Array<number>(9).fill(0);
      for (const l of part.labels) counts[l] = (counts[l] ?? 0) + 1;
      assert.deepEqual(counts, new Array(9).fill(n / 9));
      assert.equal(part.images.length, n * PX * 3);
    }
    // Train and test come from different streams: no identical image.
    const train = new Set<string>();
    for (let i = 0; i < 200; i++) train.add(Buffer.from(ds.train.images.subarray(i * PX * 3, (i + 1) * PX * 3)).toString('base64'));
    for (let i = 0; i < 200; i++) assert.ok(!train.has(Buffer.from(ds.test.images.subarray(i * PX * 3, (i + 1) * PX * 3)).toString('base64')));
  });

  it('draws the colour its class names: the shape\'s strongest channel is red, green or blue', () => {
    let right = 0;
    for (let i = 0; i < set.count; i++) {
      const mask = foreground(set, i, 3);
      const sum = [0, 0, 0];
      for (let p = 0; p < PX; p++) if (mask[p]) for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (set.images[(i * PX + p) * 3 + c] ?? 0);
      const strongest = sum.indexOf(Math.max(...sum));
      if (strongest === (set.labels[i] ?? 0) % 3) right++;
    }
    assert.ok(right / set.count > 0.97, `colour recovered for ${right} of ${set.count}`);
  });

  it('needs colour: in grayscale, same-shape classes of different colours are not separable by intensity', () => {
    const gray = toGrayscale(set, [32, 32, 3]);
    for (let shape = 0; shape < 3; shape++) {
      for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
        const ca = shape * 3 + a;
        const cb = shape * 3 + b;
        const mean: { feature: number; positive: boolean }[] = [];
        const fgMean: { feature: number; positive: boolean }[] = [];
        for (let i = 0; i < gray.count; i++) {
          const l = gray.labels[i];
          if (l !== ca && l !== cb) continue;
          const img = gray.images.subarray(i * PX, (i + 1) * PX);
          const mask = foreground(gray, i, 1);
          let all = 0;
          let fg = 0;
          let n = 0;
          for (let p = 0; p < PX; p++) {
            all += img[p] ?? 0;
            if (mask[p]) {
              fg += img[p] ?? 0;
              n++;
            }
          }
          mean.push({ feature: all / PX, positive: l === ca });
          fgMean.push({ feature: n ? fg / n : 0, positive: l === ca });
        }
        const name = `${DATASETS.shapes.classNames[ca]} vs ${DATASETS.shapes.classNames[cb]}`;
        assert.ok(thresholdAccuracy(mean) < 0.7, `${name}: image mean separates at ${thresholdAccuracy(mean)}`);
        assert.ok(thresholdAccuracy(fgMean) < 0.7, `${name}: shape brightness separates at ${thresholdAccuracy(fgMean)}`);
      }
    }
  });

  it('needs shape: same-colour classes have the same amount of colour', () => {
    for (let colour = 0; colour < 3; colour++) {
      for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
        const ca = a * 3 + colour;
        const cb = b * 3 + colour;
        const area: { feature: number; positive: boolean }[] = [];
        for (let i = 0; i < set.count; i++) {
          const l = set.labels[i];
          if (l !== ca && l !== cb) continue;
          area.push({ feature: foreground(set, i, 3).reduce((s, v) => s + v, 0), positive: l === ca });
        }
        const acc = thresholdAccuracy(area);
        assert.ok(acc < 0.7, `${DATASETS.shapes.classNames[ca]} vs ${DATASETS.shapes.classNames[cb]}: area separates at ${acc}`);
      }
    }
  });

  it('loads through loadDataset, converted to one channel when grayscale is set', async () => {
    const opts = { dataDir: '/nonexistent-not-used', modelDir: '.', seed: 9 };
    const rgb = loadShapes(opts);
    const gray = await loadDataset({ kind: 'builtin', name: 'shapes' }, { ...opts, dataDir: tmpdir(), grayscale: true });
    assert.deepEqual(gray.shape, [32, 32, 1]);
    assert.match(gray.source, /converted to grayscale \(ITU-R BT\.601 luma\)$/);
    assert.deepEqual(gray.train.images, toGrayscale(rgb.train, [32, 32, 3]).images);
    assert.deepEqual(gray.train.labels, rgb.train.labels);
  });
});
