/**
 * Child process of kerasInterop.test.ts: CNN Lab's own predictions for a model folder, computed as
 * the trainer computes them (`evaluateSet` calls `model.predict` on the model `buildModel` makes
 * from the model text, with the folder's weights restored by `restoreModelDir`, the trainer's
 * resume path), on the backend the trainer picks (`selectBackend`).
 *
 *   node --import tsx cnnLabPredict.child.ts BACKEND INPUT.f32 N JOBS.json   (ESM, for the trainer's lazy backend imports)
 *
 * JOBS.json: [{ modelText: FILE, modelDir: DIR, out: FILE.f32 }]; prints the backend it ran on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { analyzeModelText } from '../../../src/core/index';
import type { BackendChoice } from '../../../src/shared/trainerProtocol';
import { selectBackend } from '../../../src/trainer/backends/select';
import { buildModel } from '../../../src/trainer/model';
import { readModelDir, restoreModelDir } from '../../../src/trainer/runFolder';

interface Job { readonly modelText: string; readonly modelDir: string; readonly out: string }

async function main(): Promise<void> {
  const [backend, input, count, jobsFile] = process.argv.slice(2);
  const jobs = JSON.parse(readFileSync(jobsFile ?? '', 'utf8')) as Job[];
  let used = '';
  for (const job of jobs) {
    const spec = analyzeModelText(readFileSync(job.modelText, 'utf8')).spec;
    if (spec === null) throw new Error(`${job.modelText} does not validate`);
    if (used === '') used = (await selectBackend((backend ?? 'auto') as BackendChoice, spec)).name;
    const saved = readModelDir(job.modelDir);
    if (saved === null) throw new Error(`${job.modelDir} is not a complete model folder`);
    const built = buildModel(spec);
    await restoreModelDir(saved, built.model, null);
    const n = Number(count);
    const buf = readFileSync(input ?? '');
    const x = tf.tensor4d(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), [n, ...spec.inputShape]);
    const y = built.model.predict(x) as tf.Tensor;
    writeFileSync(job.out, new Uint8Array((await y.data() as Float32Array).buffer));
    tf.dispose([x, y]);
    built.model.dispose();
  }
  console.log(JSON.stringify({ backend: used, tfjs: tf.version.tfjs }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
