/** Grad-CAM's weighting and map (src/trainer/gradCam.ts) by hand and against tfjs's reductions. */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { gradCamMap, gradCamWeights } from '../../../src/trainer/gradCam';
import { mulberry32 } from '../../../src/trainer/data/random';

describe('Grad-CAM weighting', function () {
  before(async function () { await tf.setBackend('cpu'); });

  it('weights each channel by its mean gradient and keeps the positive part of the weighted sum', function () {
    // 1×2 map, 2 channels (HWC): gradients of channel 0 are 1 and 3, of channel 1 are −2 and −4.
    const w = gradCamWeights([1, -2, 3, -4], 1, 2, 2);
    assert.deepEqual(Array.from(w), [2, -3]);
    // A = [[1, 1], [2, 0]] per pixel: 2·1 − 3·1 = −1 → 0; 2·2 − 3·0 = 4.
    assert.deepEqual(Array.from(gradCamMap([1, 1, 2, 0], w, 1, 2, 2)), [0, 4]);
  });

  it('equals relu(Σ_k mean(∂/∂A_k) · A_k) computed with tfjs', function () {
    const r = mulberry32(11);
    const [h, wd, k] = [5, 4, 6];
    const acts = Float32Array.from({ length: h * wd * k }, () => r() * 2);
    const grads = Float32Array.from({ length: h * wd * k }, () => r() - 0.5);
    const weights = gradCamWeights(grads, h, wd, k);
    const ref = tf.tidy(() => {
      const alpha = tf.mean(tf.tensor3d(grads, [h, wd, k]), [0, 1]);
      return { alpha: alpha.dataSync(), cam: tf.relu(tf.sum(tf.mul(tf.tensor3d(acts, [h, wd, k]), alpha), 2)).dataSync() };
    });
    weights.forEach((v, i) => assert.ok(Math.abs(v - (ref.alpha[i] as number)) < 1e-6));
    gradCamMap(acts, weights, h, wd, k).forEach((v, i) => assert.ok(Math.abs(v - (ref.cam[i] as number)) < 1e-5));
  });
});
