/**
 * What each speed step of the native trainer buys: ms per training step of a model on the
 * tensorflow backend, from tfjs's stock `trainOnBatch` to the native step with all its parts, and
 * under thread settings. Each configuration runs in a fresh process (libtensorflow reads its
 * threads once), the configurations interleaved, repeated; the median per process is kept.
 *   node --import tsx bench/steps.ts [--rounds N] [--steps N] [--model FILE]
 * bench/run.ts calls `measureSteps` for docs/benchmarks.md.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend, needsOnednnOff } from '../src/trainer/backends/tensorflow';
import { buildModel, compileModel } from '../src/trainer/model';
import { NativeStep, type NativeStepOptions } from '../src/trainer/nativeStep';
import { ROOT, arg, capture, loadModelFile, markdownTable, median } from './lib/common';

export interface StepConfig {
  readonly id: string;
  /** What changes against the row before, in words. */
  readonly label: string;
  readonly mode: 'trainOnBatch' | 'native';
  readonly native?: NativeStepOptions;
  /** TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS; 0 = TensorFlow's default (all cores for both). */
  readonly intra: number;
  readonly inter: number;
}

export const STEP_CONFIGS: readonly StepConfig[] = [
  { id: 'stock', label: 'tfjs `model.trainOnBatch` (tfjs-layers graph, tfjs Adam), before this work', mode: 'trainOnBatch', intra: 0, inter: 0 },
  { id: 'grad-ops', label: 'TensorFlow gradient ops, hand-written backward pass, loss on logits (`SparseSoftmaxCrossEntropyWithLogits`), `ReluGrad`, `BiasAddGrad`; tfjs Adam', mode: 'native', native: { mkl: false, dropoutMasks: 'javascript', update: 'tfjs', foldRelu: false, fused: false }, intra: 0, inter: 0 },
  { id: 'resource-apply', label: '+ optimizer as one `ResourceApplyAdam`/`ResourceApplyRMSProp` per variable on resource variables', mode: 'native', native: { mkl: false, dropoutMasks: 'javascript', update: 'resource', foldRelu: false, fused: false }, intra: 0, inter: 0 },
  { id: 'mkl', label: '+ oneDNN max pooling with workspace (scatter gradient) and conv+bias in one kernel', mode: 'native', native: { mkl: true, dropoutMasks: 'javascript', update: 'resource', foldRelu: false, fused: false }, intra: 0, inter: 0 },
  { id: 'fold-relu', label: '+ ReLU moved behind max pooling (same result, a quarter of the ReLU work)', mode: 'native', native: { mkl: true, dropoutMasks: 'javascript', update: 'resource', fused: false }, intra: 0, inter: 0 },
  { id: 'tf-dropout', label: '+ dropout masks drawn by TensorFlow (stateless, seeded) instead of JavaScript', mode: 'native', native: { fused: false }, intra: 0, inter: 0 },
  { id: 'fused', label: '+ conv + bias + ReLU in one fused kernel (`_MklNativeFusedConv2D`; the ReLU\'s gradient still behind max pooling) = the trainer now', mode: 'native', native: {}, intra: 0, inter: 0 },
  { id: 'threads-2-1', label: 'the trainer now, 2 intra-op / 1 inter-op threads', mode: 'native', native: {}, intra: 2, inter: 1 },
  { id: 'threads-1-1', label: 'the trainer now, 1 intra-op / 1 inter-op thread', mode: 'native', native: {}, intra: 1, inter: 1 },
  { id: 'stock-2-1', label: 'tfjs `trainOnBatch`, 2 intra-op / 1 inter-op threads', mode: 'trainOnBatch', intra: 2, inter: 1 },
];

interface WorkerResult { readonly msPerStep: number; readonly minMs: number; readonly detail: string }

async function worker(config: StepConfig, modelFile: string, steps: number): Promise<WorkerResult> {
  const { spec } = loadModelFile(modelFile);
  const { detail } = await loadTensorflowBackend({
    disableOnednn: needsOnednnOff(spec),
    threads: { ...(config.intra > 0 ? { intraOp: config.intra } : {}), ...(config.inter > 0 ? { interOp: config.inter } : {}) },
  });
  await tf.setBackend('tensorflow');
  const built = buildModel(spec);
  const optimizer = compileModel(built, spec);
  const [h, w, c] = spec.inputShape;
  const batch = spec.train.batchSize;
  const classes = spec.numClasses ?? 10;
  const x = tf.randomUniform([batch, h, w, c]);
  const labels = tf.randomUniform([batch], 0, classes, 'int32');
  const y = tf.oneHot(labels, classes);
  const native = config.mode === 'native' ? await NativeStep.create(built, spec, optimizer, config.native) : null;
  if (config.mode === 'native' && !native) throw new Error('the native step does not take this model');
  const one = async (): Promise<void> => {
    if (native) native.step(x, labels);
    else await built.model.trainOnBatch(x, y);
  };
  for (let i = 0; i < 5; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await one();
    times.push(performance.now() - t0);
  }
  return { msPerStep: median(times), minMs: Math.min(...times), detail };
}

export interface StepRow {
  readonly config: StepConfig;
  /** Per-process medians, one per round. */
  readonly samples: readonly number[];
  readonly msPerStep: number;
}

export interface StepsResult {
  readonly model: string;
  readonly batchSize: number;
  readonly rows: readonly StepRow[];
}

/** Runs every configuration `rounds` times, interleaved, each in its own process. */
export async function measureSteps(modelFile: string, rounds: number, steps: number, log: (line: string) => void = () => {}): Promise<StepsResult> {
  const { spec } = loadModelFile(modelFile);
  const samples = new Map<string, number[]>(STEP_CONFIGS.map((c) => [c.id, []]));
  for (let r = 0; r < rounds; r++) {
    for (const config of STEP_CONFIGS) {
      const res = await capture(process.execPath, ['--import', 'tsx', __filename, 'worker', JSON.stringify(config), modelFile, String(steps)], { timeoutMs: 600_000 });
      const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
      if (res.code !== 0 || !line) throw new Error(`steps worker ${config.id} failed: ${res.stderr.slice(-1500)}`);
      const out = JSON.parse(line) as WorkerResult;
      samples.get(config.id)?.push(out.msPerStep);
      log(`  ${path.basename(modelFile)} round ${r + 1} ${config.id}: ${out.msPerStep.toFixed(1)} ms/step`);
    }
  }
  return {
    model: path.basename(modelFile), batchSize: spec.train.batchSize,
    rows: STEP_CONFIGS.map((config) => {
      const s = samples.get(config.id) ?? [];
      return { config, samples: s, msPerStep: median(s) };
    }),
  };
}

export function stepsTable(r: StepsResult): string {
  const base = r.rows[0]?.msPerStep ?? NaN;
  return markdownTable(['step', 'ms/step (median)', 'ms/step of each run', 'speed-up vs stock'], r.rows.map((row) => [
    row.config.label, row.msPerStep.toFixed(1), row.samples.map((v) => v.toFixed(1)).join(', '), `${(base / row.msPerStep).toFixed(2)}×`,
  ]));
}

async function main(): Promise<void> {
  if (process.argv[2] === 'worker') {
    const config = JSON.parse(process.argv[3] ?? '{}') as StepConfig;
    console.log(JSON.stringify(await worker(config, process.argv[4] ?? '', Number(process.argv[5] ?? 20))));
    return;
  }
  const model = arg('model') ?? path.join(ROOT, 'examples', 'mnist-keras-example.cnn.yaml');
  const r = await measureSteps(path.resolve(model), Number(arg('rounds') ?? 3), Number(arg('steps') ?? 20), (l) => console.error(l));
  console.log(`${r.model}, batch ${r.batchSize}:\n${stepsTable(r)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
