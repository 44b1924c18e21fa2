import { strict as assert } from 'node:assert';
import type { FilterLayer } from '../../../src/shared/trainerProtocol';
import {
  batchX, channelPlane, divergingColour, emaSmooth, filterSwatchRgba, gridLayout, kernelSlice, overfittingGap, rowShare, tileOrigin, toRgba,
} from '../../../webview/common/math';

describe('webview maths', function () {
  it('smooths like TensorBoard: de-biased EMA, first point unchanged, weight 0 is identity', function () {
    const v = [1, 0, 1, 0, 1, 0];
    assert.deepEqual(emaSmooth(v, 0), v);
    const s = emaSmooth(v, 0.6);
    assert.equal(s[0], 1);
    // by hand: last = 0.4*1 = 0.4 → /0.4 = 1; then 0.24 → /(1-0.36)=0.375
    assert.ok(Math.abs((s[1] ?? 0) - 0.375) < 1e-12);
    const flat = emaSmooth([2, 2, 2, 2], 0.9);
    flat.forEach((x) => assert.ok(Math.abs(x - 2) < 1e-12), 'a constant stays constant (no bias towards 0)');
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const sm = emaSmooth(noisy, 0.9).slice(100);
    assert.ok(Math.max(...sm) - Math.min(...sm) < 0.2, 'smoothing shrinks oscillation');
  });

  it('places batch points at fractional epochs', function () {
    assert.equal(batchX(1, 50, 100), 0.5);
    assert.equal(batchX(3, 100, 100), 3);
  });

  it('tiles channels into a near-square grid with one-pixel gaps', function () {
    assert.deepEqual(gridLayout(32, 26, 26), { cols: 6, rows: 6, width: 6 * 26 + 5, height: 6 * 26 + 5 });
    assert.deepEqual(gridLayout(8, 32, 32), { cols: 3, rows: 3, width: 98, height: 98 });
    assert.deepEqual(gridLayout(1, 5, 5), { cols: 1, rows: 1, width: 5, height: 5 });
    assert.deepEqual(gridLayout(0, 5, 5), { cols: 0, rows: 0, width: 0, height: 0 });
    for (const n of [1, 3, 7, 16, 64, 100]) {
      const g = gridLayout(n, 4, 4);
      assert.ok(g.cols * g.rows >= n && (g.rows - 1) * g.cols < n, `${n} fits without an empty row`);
      const lastTile = tileOrigin(g, n - 1, 4, 4);
      assert.ok(lastTile.x + 4 <= g.width && lastTile.y + 4 <= g.height);
    }
  });

  it('reads channels of HWC images', function () {
    const hwc = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 1×2 pixels, 3 channels
    assert.deepEqual([...channelPlane(hwc, 1, 2, 3, 1)], [2, 5]);
    assert.deepEqual([...toRgba(hwc, 1, 2, 3)], [1, 2, 3, 255, 4, 5, 6, 255]);
    assert.deepEqual([...toRgba(Uint8Array.from([9]), 1, 1, 1)], [9, 9, 9, 255]);
  });

  it('slices kernels from TF weight order [kh][kw][in][out]', function () {
    // 2×2 kernel, 3 in, 2 out; weight value encodes its indices: y*1000 + x*100 + in*10 + out
    const weights: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let i = 0; i < 3; i++) for (let o = 0; o < 2; o++) weights.push(y * 1000 + x * 100 + i * 10 + o);
    const layer: FilterLayer = { layerIndex: 0, name: 'c', kernel: [2, 2], inChannels: 3, outChannels: 2, weights };
    assert.deepEqual([...kernelSlice(layer, 1, 2)], [21, 121, 1021, 1121]);
    const swatch = filterSwatchRgba(layer, 0);
    assert.equal(swatch.length, 16);
    // min-max over the filter's three planes: pixel (0,0) R = in 0 → the minimum → 0; last pixel B → maximum → 255
    assert.equal(swatch[0], 0);
    assert.equal(swatch[3 * 4 + 2], 255);
  });

  it('maps weights to a symmetric blue-white-red scale', function () {
    assert.deepEqual(divergingColour(0, 1), [255, 255, 255]);
    assert.deepEqual(divergingColour(1, 1), [178, 24, 43]);
    assert.deepEqual(divergingColour(-1, 1), [33, 102, 172]);
    assert.deepEqual(divergingColour(5, 1), divergingColour(1, 1), 'clamped');
    assert.deepEqual(divergingColour(0.3, 0), [255, 255, 255], 'an all-zero layer is white');
  });

  it('computes the overfitting gap and confusion-matrix shares', function () {
    assert.deepEqual(overfittingGap([{ acc: 0.9, valAcc: 0.8 }, { acc: 0.5, valAcc: null }]).map((x) => (x === null ? null : Number(x.toFixed(6)))), [0.1, null]);
    assert.equal(rowShare([1, 3], 1), 0.75);
    assert.equal(rowShare([0, 0], 1), 0);
  });
});
