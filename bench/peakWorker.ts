/**
 * The attainable FLOP/s of one TensorFlow.js backend on this machine: the best time of a large
 * square float32 matmul (2·n³ FLOPs), the densest work a backend does. Run by bench/run.ts in a
 * process per backend (a process loads one backend's native or wasm code once):
 *   node --import tsx bench/peakWorker.ts tensorflow|wasm|cpu N
 * Prints one JSON line: { backend, detail, n, seconds, flops }.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../src/shared/trainerProtocol';
import { selectBackend } from '../src/trainer/backends/select';
import { loadModelFile, ROOT } from './lib/common';
import * as path from 'node:path';

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'tensorflow') as BackendName;
  const n = Number(process.argv[3] ?? 1024);
  const { spec } = loadModelFile(path.join(ROOT, 'examples', 'mnist.cnn.yaml'));
  const selected = await selectBackend(backend, spec);
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  // All three backends execute a kernel synchronously, so the op's return is its end; reading
  // the 16 MB result back is not part of the multiply.
  const once = (): number => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    const t = (performance.now() - t0) / 1000;
    c.dataSync();
    c.dispose();
    return t;
  };
  once();
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, once());
  console.log(JSON.stringify({ backend: selected.name, detail: selected.detail, n, seconds: best, flops: (2 * n ** 3) / best }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
