/**
 * Child process of `gradients.test.ts`: each case of `passCases` (one layer) built twice with the
 * same weights, on the native backend loaded with the oneDNN setting given on the command line;
 * one copy runs through tfjs's automatic differentiation in training mode (what `trainOnBatch`
 * runs), the other through its direct-step pass (src/trainer/layers/<type>.ts `native`, with the
 * kernels the step would choose here: oneDNN's, the fused conv kernels). Prints one JSON line per
 * case with the largest differences of the output, the input gradient, each weight's gradient and
 * the weights after the step (batch norm's moving statistics), each relative to the reference's
 * largest magnitude.
 *
 *   node -r tsx/cjs passcheck.child.ts on|off
 */
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from '../../../src/trainer/backends/tensorflow';
import { trainerLayerOf, type Gradients, type StepContext } from '../../../src/trainer/layers/index';
import { nativeBackend, Ops, type FusedKernels } from '../../../src/trainer/nativeOps';
import { passCases, type PassCase } from './gradCases';

/** Deterministic values in [lo, hi) (a 32-bit LCG). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (s / 2 ** 32) * (hi - lo);
  }
  return out;
}

function relDiff(a: tf.Tensor, ref: tf.Tensor): number {
  if (a.shape.join() !== ref.shape.join()) return Number.POSITIVE_INFINITY;
  return tf.tidy(() => {
    const d = tf.max(tf.abs(tf.sub(a, ref))).dataSync()[0] ?? Number.NaN;
    const m = tf.max(tf.abs(ref)).dataSync()[0] ?? 0;
    return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / Math.max(m, 1e-12);
  });
}

/** The layer as the trainer builds it, first in a model of its input shape, with deterministic weights. */
function built(c: PassCase): { model: tf.Sequential; layer: tf.layers.Layer } {
  const layer = trainerLayerOf(c.layer).build(c.layer, { name: 'l', seed: 1, input: c.input.slice(1), first: true });
  const model = tf.sequential({ layers: [layer] });
  tf.tidy(() => layer.setWeights(layer.weights.map((w, k) => {
    const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    // Scales and variances positive, as they are in training.
    const positive = /gamma|variance/.test(w.name);
    return tf.tensor(values(size, 7 + 13 * k, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5), w.shape as number[]);
  })));
  return { model, layer };
}

interface CaseResult {
  readonly name: string;
  readonly forward: number;
  readonly inputGrad: number;
  readonly weightGrads: readonly number[];
  /** Every weight after the step (the moving statistics are the ones that change). */
  readonly weightsAfter: readonly number[];
}

function check(c: PassCase, ctx: StepContext, fused: FusedKernels | null): CaseResult {
  const x = tf.tensor(values(c.input.reduce((a, b) => a * b, 1), 17), [...c.input]);
  const ref = built(c);
  const mine = built(c);
  // Reference: tfjs's gradient of Σ y·r for a fixed random r, in training mode.
  const xv = tf.variable(x);
  const trainable = ref.layer.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  const kept: { y?: tf.Tensor; r?: tf.Tensor } = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = ref.model.apply(xv, { training: true }) as tf.Tensor;
    const y = c.thenRelu ? tf.relu(out) : out;
    const r = tf.keep(tf.tensor(values(y.size, 99), y.shape));
    kept.y = tf.keep(y.clone());
    kept.r = r;
    return tf.sum(tf.mul(y, r));
  }, [xv, ...trainable]);
  const { y: yRef, r } = kept;
  if (!yRef || !r) throw new Error(`${c.name}: the reference computed nothing`);
  const result = tf.tidy(() => {
    const native = trainerLayerOf(c.layer).native;
    if (typeof native === 'string') throw new Error(`${c.name}: no pass (${native})`);
    const layerPass = native.pass(c.layer, mine.layer, { mkl: ctx.mkl, fused, logits: false });
    const pass = c.thenRelu ? layerPass.absorbRelu?.() : layerPass;
    if (!pass) throw new Error(`${c.name}: the pass cannot absorb a ReLU`);
    const f = pass.forward(x, ctx);
    const g: Gradients = new Map();
    const dx = f.backward(r, true, g);
    const variables = mine.layer.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    return {
      name: c.name,
      forward: relDiff(f.y, yRef),
      inputGrad: dx ? relDiff(dx, grads[xv.name] as tf.Tensor) : Number.POSITIVE_INFINITY,
      weightGrads: variables.map((v, i) => {
        const mineG = g.get(v);
        const refG = grads[(trainable[i] as tf.Variable).name];
        return mineG && refG ? relDiff(mineG, refG) : Number.POSITIVE_INFINITY;
      }),
      weightsAfter: mine.layer.getWeights().map((w, i) => relDiff(w, ref.layer.getWeights()[i] as tf.Tensor)),
    };
  });
  tf.dispose([x, xv, yRef, r, value, ...Object.values(grads)]);
  ref.model.dispose();
  mine.model.dispose();
  return result;
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'on' && mode !== 'off') throw new Error('usage: passcheck.child.ts on|off');
  const { detail } = await loadTensorflowBackend({ disableOnednn: mode === 'off' });
  await tf.setBackend('tensorflow');
  const be = nativeBackend();
  if (!be) throw new Error('no native backend');
  const ops = new Ops(be);
  const mkl = mode === 'on' && ops.mklWorks();
  const fused = ops.fusedKernels(mkl, mode === 'off');
  const ctx: StepContext = {
    ops, mkl, dropoutMasks: 'tensorflow',
    shape: (dims) => tf.tensor1d([...dims], 'int32'),
    int32: (v, shape) => tf.tensor([...v], [...shape], 'int32'),
    constant: (v) => tf.scalar(v),
  };
  process.stdout.write(`${JSON.stringify({ detail, mkl, fused })}\n`);
  const before = tf.memory().numTensors;
  for (const c of passCases) {
    // With oneDNN on, only the layers the trainer would run with oneDNN on.
    if (mode === 'on' && trainerLayerOf(c.layer).onednnHazard?.(c.layer, c.input.slice(1))) continue;
    process.stdout.write(`${JSON.stringify(check(c, ctx, fused))}\n`);
  }
  process.stdout.write(`${JSON.stringify({ done: true, leaked: tf.memory().numTensors - before })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
