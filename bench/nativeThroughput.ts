/**
 * Benchmark: training throughput of the Keras
 * mnist_convnet (Conv32 k3 → MaxPool2 → Conv64 k3 → MaxPool2 → Flatten → Dropout 0.5 → Dense10
 * softmax, Adam, batch 128) on the native backend, one process per oneDNN/thread setting, since
 * libtensorflow reads them at load. Inputs are uniform noise of MNIST's shape: speed does not
 * depend on pixel values.
 *
 *   node -r tsx/cjs bench/nativeThroughput.ts            all settings
 *   node -r tsx/cjs bench/nativeThroughput.ts one on 2 1 one setting (oneDNN, intra, inter; 0 = auto)
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from '../src/trainer/backends/tensorflow';
import { kerasMnistConvnet } from './lib/models';

const BATCH = 128;
const WARMUP_BATCHES = 3;
const TIMED_BATCHES = 15;

async function one(onednn: 'on' | 'off', intra: number, inter: number): Promise<void> {
  const threads = { ...(intra > 0 ? { intraOp: intra } : {}), ...(inter > 0 ? { interOp: inter } : {}) };
  const { detail } = await loadTensorflowBackend({ disableOnednn: onednn === 'off', threads });
  await tf.setBackend('tensorflow');
  const model = kerasMnistConvnet();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const xs = tf.randomUniform([BATCH, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform<tf.Rank.R1>([BATCH], 0, 10, 'int32'), 10);
  for (let i = 0; i < WARMUP_BATCHES; i++) await model.trainOnBatch(xs, ys);
  const t0 = performance.now();
  for (let i = 0; i < TIMED_BATCHES; i++) await model.trainOnBatch(xs, ys);
  const secs = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ detail, samplesPerSec: Math.round((TIMED_BATCHES * BATCH) / secs), msPerBatch: Math.round((secs * 1000) / TIMED_BATCHES) }));
}

function all(): void {
  const settings: [string, string, string][] = [['on', '0', '0'], ['off', '0', '0'], ['on', '2', '1'], ['on', '1', '1'], ['off', '2', '1']];
  for (const [onednn, intra, inter] of settings) {
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', __filename, 'one', onednn, intra, inter], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    console.log(`oneDNN ${onednn}, intra ${intra === '0' ? 'auto' : intra}, inter ${inter === '0' ? 'auto' : inter}: ${r.status === 0 ? line : `failed: ${r.stderr.slice(-300)}`}`);
  }
}

const [cmd, onednn, intra, inter] = process.argv.slice(2);
if (cmd === 'one') {
  one(onednn === 'off' ? 'off' : 'on', Number(intra ?? 0), Number(inter ?? 0)).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
} else {
  all();
}
