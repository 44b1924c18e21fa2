/**
 * The pure maths behind the explainer and the own-image input, against TensorFlow.js and the
 * trainer's own code: a filter's partial maps summed with the bias are tf.conv2d's output (both
 * paddings, strides 1 and 2), the activations are tfjs's, the MNIST-style preprocessing centres a
 * stroke's centre of mass at (14, 14) in a 20×20 box, and resizing and grayscale are the data set's.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { activate, filterArithmetic, productsAt } from '../../../webview/common/convolution';
import { MNIST_CENTRE, centreOfMass, imageForModel, mnistFromDrawing } from '../../../webview/common/preprocess';
import { resizeRgbaToRgb, rgbToGray } from '../../../src/shared/imageResize';
import { toGrayscale } from '../../../src/trainer/data/index';
import { mulberry32 } from '../../../src/trainer/data/random';

function randoms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

describe('explainer arithmetic', function () {
  before(async function () { await tf.setBackend('cpu'); });

  for (const [padding, stride, size] of [['valid', 1, 9], ['same', 1, 8], ['same', 2, 9], ['valid', 2, 10], ['same', 2, 8]] as const) {
    it(`partial maps + bias = tf.conv2d (${padding}, stride ${stride}, ${size}×${size}×3, 3×3 kernel)`, function () {
      const input = randoms(size * size * 3, 1);
      const kernel = randoms(3 * 3 * 3, 2);
      const bias = 0.25;
      const a = filterArithmetic(input, [size, size, 3], kernel, [3, 3, 3], bias, [stride, stride], padding, 'relu');
      const ref = tf.tidy(() => tf.add(tf.conv2d(tf.tensor4d(input, [1, size, size, 3]), tf.tensor4d(kernel, [3, 3, 3, 1]), stride, padding), bias).dataSync());
      assert.equal(a.sum.length, ref.length);
      assert.equal(a.partials.length, 3);
      for (let i = 0; i < ref.length; i++) assert.ok(Math.abs((a.sum[i] as number) - (ref[i] as number)) < 1e-5, `pixel ${i}`);
      // The products behind one pixel sum to it.
      const oy = Math.floor(a.oh / 2);
      const ox = a.ow - 1;
      const products = [0, 1, 2].flatMap((c) => productsAt(input, kernel, a.geometry, c, oy, ox));
      assert.equal(products.length, 27);
      assert.ok(Math.abs(products.reduce((s, p) => s + p.product, bias) - (a.sum[oy * a.ow + ox] as number)) < 1e-9);
      assert.ok(a.activated !== null && a.activated.every((v, i) => v === Math.max(0, a.sum[i] as number)));
    });
  }

  it('computes each activation as tfjs does', function () {
    const xs = [-3, -1.2, -0.3, 0, 0.4, 1.7, 5];
    const cases: [string, (t: tf.Tensor) => tf.Tensor][] = [
      ['linear', (t) => t], ['relu', tf.relu], ['relu6', tf.relu6], ['elu', tf.elu], ['selu', tf.selu], ['sigmoid', tf.sigmoid],
      ['tanh', tf.tanh], ['softplus', tf.softplus], ['softsign', (t) => tf.div(t, tf.add(1, tf.abs(t)))],
      ['hardSigmoid', (t) => tf.clipByValue(tf.add(0.5, tf.mul(0.2, t)), 0, 1)],
      ['swish', (t) => tf.mul(t, tf.sigmoid(t))], ['gelu', (t) => tf.mul(t, tf.mul(0.5, tf.add(1, tf.erf(tf.div(t, Math.SQRT2)))))],
    ];
    for (const [name, f] of cases) {
      const ref = tf.tidy(() => f(tf.tensor1d(xs)).dataSync());
      xs.forEach((x, i) => assert.ok(Math.abs((activate(name, x) as number) - (ref[i] as number)) < 1e-5, `${name}(${x})`));
    }
    assert.equal(activate('softmax', 1), null, 'softmax needs every channel');
  });
});

describe('own image preprocessing', function () {
  /** A 280×280 pad with a thick stroke drawn off-centre (a slanted bar and a hook, like a 7). */
  function drawing(): Float64Array {
    const w = 280;
    const img = new Float64Array(w * w);
    const dot = (cx: number, cy: number): void => {
      for (let y = Math.floor(cy - 14); y <= cy + 14; y++) for (let x = Math.floor(cx - 14); x <= cx + 14; x++) {
        if (x >= 0 && y >= 0 && x < w && y < w && (x - cx) ** 2 + (y - cy) ** 2 <= 196) img[y * w + x] = 255;
      }
    };
    for (let t = 0; t <= 1; t += 0.01) dot(30 + 120 * t, 40);
    for (let t = 0; t <= 1; t += 0.01) dot(150 - 60 * t, 40 + 200 * t);
    return img;
  }

  it('fits a drawn digit into 20×20 and centres its centre of mass at (14, 14), as MNIST was made', function () {
    const digit = mnistFromDrawing(drawing(), 280, 280);
    assert.ok(digit !== null);
    assert.equal(digit.length, 28 * 28);
    const com = centreOfMass(digit, 28, 28);
    assert.ok(com !== null);
    assert.ok(Math.abs(com.x - MNIST_CENTRE) < 0.05 && Math.abs(com.y - MNIST_CENTRE) < 0.05, `centre of mass (${com.x}, ${com.y})`);
    let x0 = 28; let x1 = -1; let y0 = 28; let y1 = -1;
    digit.forEach((v, i) => { if (v > 0) { x0 = Math.min(x0, i % 28); x1 = Math.max(x1, i % 28); y0 = Math.min(y0, Math.floor(i / 28)); y1 = Math.max(y1, Math.floor(i / 28)); } });
    // 20 rows tall (the longer side), plus at most one row each side from the sub-pixel shift.
    assert.ok(y1 - y0 + 1 >= 20 && y1 - y0 + 1 <= 22, `height ${y1 - y0 + 1}`);
    assert.ok(x1 - x0 + 1 < y1 - y0 + 1, 'aspect ratio kept (taller than wide)');
    assert.ok(Math.max(...digit) >= 240, `the stroke stays bright (${Math.max(...digit)})`);
    assert.ok(digit.some((v) => v > 0 && v < 255), 'anti-aliased edges');
    assert.equal(mnistFromDrawing(new Float64Array(100), 10, 10), null, 'nothing drawn');
  });

  it('resizes and makes grayscale with the data set\'s own functions (src/shared/imageResize)', function () {
    const w = 37;
    const h = 23;
    const rgba = Uint8Array.from(randoms(w * h * 4, 3, 0, 255), (v) => Math.floor(v));
    const rgb = resizeRgbaToRgb(rgba, w, h, 32, 32);
    assert.deepEqual(imageForModel(rgba, w, h, [32, 32, 3]), rgb);
    // Grayscale as the trainer's grayscale runs make it.
    const gray = toGrayscale({ images: rgb, labels: new Uint8Array(1), count: 1 }, [32, 32, 3]);
    assert.deepEqual(rgbToGray(rgb), gray.images);
    assert.deepEqual(imageForModel(rgba, w, h, [32, 32, 1]), gray.images);
    assert.deepEqual(imageForModel(rgba, w, h, [32, 32, 1], true), gray.images.map((v) => 255 - v));
    // A canvas's ImageData holds a Uint8ClampedArray.
    assert.deepEqual(imageForModel(Uint8ClampedArray.from(rgba), w, h, [20, 30, 3]), resizeRgbaToRgb(rgba, w, h, 30, 20));
  });
});
