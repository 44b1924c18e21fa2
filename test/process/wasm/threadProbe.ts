/**
 * Run by threads.test.ts (bundled, in a fresh Node): loads the wasm backend as the trainer does,
 * trains a small conv net for a few seeded steps and prints what it ran on and a hash of the
 * trained weights. It never calls process.exit: the test checks that Node exits by itself.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend, wasmThreadsRunning } from '../../../src/trainer/backends/wasm';

async function main(): Promise<void> {
  const { detail } = await loadWasmBackend();
  let s = 7;
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => { s = (s * 16807) % 2147483647; return s / 2147483647; });
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(3) }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const x = tf.tensor4d(values(32 * 12 * 12), [32, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 4), 'int32'), 4);
  const h = await model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
  const hash = createHash('sha256');
  for (const w of model.getWeights()) hash.update(new Uint8Array((w.dataSync() as Float32Array).slice().buffer));
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), detail, threads: wasmThreadsRunning(), loss: h.history.loss, weights: hash.digest('hex') }));
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
