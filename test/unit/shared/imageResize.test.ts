/**
 * The one resize and grayscale of CNN Lab (src/shared/imageResize), which the trainer's image-folder
 * data sets and grayscale runs and the dashboard's own image both go through (their callers are
 * checked in test/unit/data/imageFolder.test.ts and test/unit/extension/explainMath.test.ts).
 */
import { strict as assert } from 'node:assert';
import { resizeRgbaToRgb, rgbToGray } from '../../../src/shared/imageResize';

describe('shared/image resize', () => {
  it('resizes bilinearly with half-pixel centres, alpha dropped', () => {
    // 4×4 → 2×2 averages each 2×2 block.
    const src = new Uint8Array(16 * 4);
    for (let p = 0; p < 16; p++) src.set([p * 10, 255 - p * 10, 7, 255], p * 4);
    const block = (y: number, x: number): number => ((4 * y + x) + (4 * y + x + 1) + (4 * y + x + 4) + (4 * y + x + 5)) * 10 / 4;
    assert.deepEqual([...resizeRgbaToRgb(src, 4, 4, 2, 2)], [block(0, 0), 255 - block(0, 0), 7, block(0, 2), 255 - block(0, 2), 7, block(2, 0), 255 - block(2, 0), 7, block(2, 2), 255 - block(2, 2), 7].map(Math.round));
    // 2×1 → 4×1 interpolates between the two pixels and clamps at the edges.
    assert.deepEqual([...resizeRgbaToRgb(Uint8Array.from([0, 0, 0, 255, 200, 100, 40, 255]), 2, 1, 4, 1)], [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40]);
  });

  it('writes into a given array at an offset (a data set\'s images one after another), and takes any array of bytes', () => {
    const rgba = Uint8ClampedArray.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const alone = resizeRgbaToRgb(rgba, 5, 3, 4, 2);
    assert.equal(alone.length, 4 * 2 * 3);
    const out = new Uint8Array(3 + alone.length);
    assert.equal(resizeRgbaToRgb(rgba, 5, 3, 4, 2, out, 3), out);
    assert.deepEqual([...out.subarray(0, 3)], [0, 0, 0]);
    assert.deepEqual(out.subarray(3), alone);
    assert.deepEqual(resizeRgbaToRgb(Array.from(rgba), 5, 3, 4, 2), alone);
  });

  it('makes grayscale with ITU-R BT.601 luma, rounded, of all pixels or the first ones', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30]);
    const luma = [0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 200 + 0.114 * 30].map(Math.round);
    assert.deepEqual([...rgbToGray(rgb)], luma);
    assert.deepEqual([...rgbToGray(rgb, 2)], luma.slice(0, 2));
  });
});
