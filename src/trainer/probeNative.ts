/**
 * `dist/trainer.js --probe-native`: loads the native backend the way a training run would and
 * checks that it computes, then prints one JSON line and exits. The host runs it in a child process
 * after setting the backend up (libtensorflow is process-global, and a broken one may abort the
 * process that loads it), and the CLI's `doctor` prints it.
 *
 * The check: over ones, both gradient sums of a 3×3 'same' convolution of a 4×4×2 input into 3
 * channels count the (output, tap) pairs inside the input (10 per axis, so 100) times 2 × 3
 * channels: exactly 600 each. A library that loads but computes garbage fails it.
 */
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from './backends/tensorflow';

export interface NativeProbeResult {
  readonly ok: boolean;
  readonly tensorflow?: string;
  readonly detail?: string;
  readonly error?: string;
}

export async function probeNative(): Promise<NativeProbeResult> {
  try {
    const loaded = await loadTensorflowBackend({ disableOnednn: false });
    if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow') {
      return { ok: false, error: 'the tensorflow backend registered but could not be initialised' };
    }
    const sums = tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 2]);
      const w = tf.ones([3, 3, 2, 3]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum())([x, w]);
      return [dx?.sum().dataSync()[0], dw?.sum().dataSync()[0]];
    });
    if (sums[0] !== 600 || sums[1] !== 600) return { ok: false, error: `wrong conv2d gradient sums ${sums.join(', ')} (expected 600, 600)` };
    return { ok: true, tensorflow: loaded.versions.libtensorflow, detail: loaded.detail };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
