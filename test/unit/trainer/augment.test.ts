/**
 * Augmentation on real colour images (the generated `shapes`) with the trainer's own seeded
 * stream: every augmented sample is the raw one mirrored or translated (edges repeated), never
 * anything else, and a batch does change. The exact pixel mechanics on a tiny image are in
 * model.test.ts.
 */
import * as assert from 'node:assert/strict';
import { fillImages, type ImageShape } from '../../../src/trainer/batches';
import { generateShapes } from '../../../src/trainer/data/shapes';
import { stream } from '../../../src/trainer/rng';

const SHAPE: ImageShape = [32, 32, 3];
const PER = 32 * 32 * 3;
const N = 24;

/** Sample `s` of `raw` moved by (dx, dy), optionally mirrored, with edge pixels repeated. */
function transformed(raw: Float32Array, s: number, dx: number, dy: number, flip: boolean): Float32Array {
  const out = new Float32Array(PER);
  for (let y = 0; y < 32; y++) {
    const sy = Math.min(31, Math.max(0, y - dy));
    for (let x = 0; x < 32; x++) {
      let sx = Math.min(31, Math.max(0, x - dx));
      if (flip) sx = 31 - sx;
      for (let c = 0; c < 3; c++) out[(y * 32 + x) * 3 + c] = raw[s * PER + (sy * 32 + sx) * 3 + c] as number;
    }
  }
  return out;
}

const same = (a: Float32Array, b: Float32Array): boolean => a.every((v, i) => v === b[i]);

describe('augmentation on colour images', () => {
  const set = generateShapes(N, 11);
  const indices = Array.from({ length: N }, (_, i) => i);
  const raw = new Float32Array(N * PER);
  fillImages(set, indices, SHAPE, raw);

  it('flips: each sample is the raw image or its mirror, and both happen', () => {
    const out = new Float32Array(N * PER);
    fillImages(set, indices, SHAPE, out, { spec: { flipHorizontal: true, shift: 0 }, rng: stream(5, 'augment', 1) });
    let flipped = 0;
    for (let s = 0; s < N; s++) {
      const got = out.subarray(s * PER, (s + 1) * PER);
      const isRaw = same(got, transformed(raw, s, 0, 0, false));
      const isMirror = same(got, transformed(raw, s, 0, 0, true));
      assert.ok(isRaw || isMirror, `sample ${s} is neither raw nor mirrored`);
      if (!isRaw) flipped++;
    }
    assert.ok(flipped > 0 && flipped < N, `${flipped} of ${N} flipped`);
  });

  it('shifts: each sample is a translation by at most 12.5 % with edges repeated; the batch differs from the raw one', () => {
    const out = new Float32Array(N * PER);
    fillImages(set, indices, SHAPE, out, { spec: { flipHorizontal: true, shift: 0.125 }, rng: stream(5, 'augment', 1) });
    assert.ok(!same(out, raw), 'augmented batch equals the raw batch');
    let moved = 0;
    for (let s = 0; s < N; s++) {
      const got = out.subarray(s * PER, (s + 1) * PER);
      let match: string | null = null;
      for (let dx = -4; dx <= 4 && match === null; dx++) {
        for (let dy = -4; dy <= 4 && match === null; dy++) {
          for (const flip of [false, true]) if (match === null && same(got, transformed(raw, s, dx, dy, flip))) match = `${dx},${dy},${flip}`;
        }
      }
      assert.ok(match !== null, `sample ${s} is not a flip/shift of the raw image`);
      if (!match.startsWith('0,0,')) moved++;
    }
    assert.ok(moved > N / 2, `${moved} of ${N} samples shifted`);
  });

  it('is reproducible per (seed, epoch) and differs between epochs', () => {
    const aug = { flipHorizontal: true, shift: 0.125 };
    const a = new Float32Array(N * PER);
    const b = new Float32Array(N * PER);
    const c = new Float32Array(N * PER);
    fillImages(set, indices, SHAPE, a, { spec: aug, rng: stream(5, 'augment', 1) });
    fillImages(set, indices, SHAPE, b, { spec: aug, rng: stream(5, 'augment', 1) });
    fillImages(set, indices, SHAPE, c, { spec: aug, rng: stream(5, 'augment', 2) });
    assert.ok(same(a, b));
    assert.ok(!same(a, c));
  });
});
