/**
 * Child process of `fusedOps.test.ts`: loads the native backend with oneDNN on or off (libtensorflow
 * reads the switch once, at load), runs the fused kernels of ./fusedKernels.ts and the unfused ops
 * on the same random inputs, and prints one JSON line per comparison.
 *
 *   node -r tsx/cjs fusedOps.child.ts on|off      every conv and dense case (oneDNN kernels only when on)
 *   node -r tsx/cjs fusedOps.child.ts layout      the layout-dependent _MklFusedMatMul and _MklFusedConv2D (may crash)
 *   node -r tsx/cjs fusedOps.child.ts totf        _MklFusedConv2D's output through _MklToTf (may crash)
 */
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from '../../../src/trainer/backends/tensorflow';
import {
  CONV_LAYERS, DENSE_LAYERS, Kernels, nodeBackend, relDiff, values,
  type ConvImpl, type DenseImpl, type FusedOps, type Padding,
} from './fusedKernels';

export interface ComparisonLine {
  readonly kind: 'conv' | 'dense';
  readonly name: string;
  readonly batch: number;
  readonly padding?: Padding;
  readonly stride?: number;
  readonly fusedOps: readonly string[];
  readonly impl: string;
  /** max |fused − unfused| / max |unfused|; null when the op failed (`error`). */
  readonly rel: number | null;
  readonly maxAbs: number | null;
  /** Relu cases: fraction of elements where ReluGrad(dy, fused output) ≠ ReluGrad(dy, unfused pre-activation). */
  readonly reluGradMismatch?: number;
  readonly error?: string;
}

const OPS: readonly FusedOps[] = [['BiasAdd'], ['BiasAdd', 'Relu']];
const BATCHES = [1, 128] as const;
const PADDINGS: readonly Padding[] = ['SAME', 'VALID'];
const STRIDES = [1, 2] as const;

let seed = 1;
/** A tensor of deterministic uniform values in [-scale, scale). */
function rand(shape: number[], scale = 1): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed++ * 7919, scale), shape);
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 2).join(' ').slice(0, 300);
}

function mismatchFraction(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n / Math.max(1, x.length);
}

function print(line: object): void { process.stdout.write(`${JSON.stringify(line)}\n`); }

function compare(kind: 'conv' | 'dense', base: Omit<ComparisonLine, 'rel' | 'maxAbs' | 'impl' | 'kind'>, impl: string,
  run: () => tf.Tensor, ref: { y: tf.Tensor; z: tf.Tensor }, ops: FusedOps): void {
  tf.tidy(() => {
    let y: tf.Tensor;
    try {
      y = run();
    } catch (e) {
      print({ kind, ...base, impl, rel: null, maxAbs: null, error: errorText(e) });
      return;
    }
    const d = y.shape.join() === ref.y.shape.join() ? relDiff(y.dataSync(), ref.y.dataSync()) : { rel: Number.POSITIVE_INFINITY, maxAbs: Number.POSITIVE_INFINITY };
    let reluGradMismatch: number | undefined;
    if (ops.length === 2 && Number.isFinite(d.rel)) {
      // The backward pass of conv/dense + ReLU needs ReluGrad(dy, features): the fused kernel's
      // output (the ReLU's output) must do as well as the pre-activation the unfused ops keep.
      const k = new Kernels(nodeBackend(tf), tf);
      const dy = rand(y.shape);
      reluGradMismatch = mismatchFraction(k.reluGrad(dy, y), k.reluGrad(dy, ref.z));
    }
    print({ kind, ...base, impl, rel: d.rel, maxAbs: d.maxAbs, ...(reluGradMismatch !== undefined ? { reluGradMismatch } : {}) });
  });
}

function comparisons(k: Kernels, onednn: boolean): void {
  const convImpls: ConvImpl[] = onednn ? ['stock', 'mklNative'] : ['stock'];
  // Not 'mklLayout': the layout-dependent _MklFusedMatMul corrupts memory now and then when fed
  // from eager ops (see `layout`); it runs in a child of its own.
  const denseImpls: DenseImpl[] = onednn ? ['stock', 'mklNative'] : ['stock'];
  for (const l of CONV_LAYERS) {
    for (const batch of BATCHES) {
      for (const padding of PADDINGS) {
        for (const stride of STRIDES) {
          tf.tidy(() => {
            const x = rand([batch, l.h, l.w, l.c]);
            const w = rand([l.k, l.k, l.c, l.filters], Math.sqrt(6 / (l.k * l.k * (l.c + l.filters))));
            const b = rand([l.filters], 0.3);
            for (const ops of OPS) {
              const ref = k.unfusedConv(x, w, b, stride, padding, ops);
              const base = { name: l.name, batch, padding, stride, fusedOps: ops };
              for (const impl of convImpls) compare('conv', base, impl, () => k.fusedConv(impl, x, w, b, stride, padding, ops), ref, ops);
              // Today's trainer: oneDNN conv + bias, then Relu (a reference for the speed comparison).
              if (onednn) compare('conv', base, 'mklConv2dWithBias+Relu', () => { const z = k.mklConv2dWithBias(x, w, b, stride, padding); return ops.length === 2 ? k.relu(z) : z; }, ref, ops);
            }
          });
        }
      }
    }
  }
  for (const l of DENSE_LAYERS) {
    for (const batch of [1, 32, 128]) {
      tf.tidy(() => {
        const x = rand([batch, l.inputs]);
        const w = rand([l.inputs, l.units], Math.sqrt(6 / (l.inputs + l.units)));
        const b = rand([l.units], 0.3);
        for (const ops of OPS) {
          const ref = k.unfusedDense(x, w, b, ops);
          const base = { name: l.name, batch, fusedOps: ops };
          for (const impl of denseImpls) compare('dense', base, impl, () => k.fusedDense(impl, x, w, b, ops), ref, ops);
        }
      });
    }
  }
}

/**
 * The layout-dependent oneDNN kernels, which TensorFlow's graph rewrite pass wires with uint8
 * layout metadata: `_MklFusedMatMul` (20 calls on the course MNIST dense1 at batch 32, each
 * announced first, since it may take the process down) and `_MklFusedConv2D` (does it run, in which
 * layout is its output; with `toTf`, back through `_MklToTf`).
 */
function layout(k: Kernels, toTf: boolean): void {
  if (!toTf) {
    tf.tidy(() => {
      const x = rand([32, 3136]);
      const w = rand([3136, 64], 0.04);
      const b = rand([64], 0.3);
      const ref = k.unfusedDense(x, w, b, ['BiasAdd', 'Relu']);
      for (let i = 0; i < 20; i++) {
        print({ op: '_MklFusedMatMul', call: i });
        tf.tidy(() => {
          const y = k.fusedDense('mklLayout', x, w, b, ['BiasAdd', 'Relu']);
          print({ op: '_MklFusedMatMul', call: i, runs: true, ...relDiff(y.dataSync(), ref.y.dataSync()) });
        });
      }
    });
  }
  tf.tidy(() => {
    const x = rand([2, 8, 8, 3]);
    const w = rand([3, 3, 3, 5], 0.5);
    const b = rand([5], 0.3);
    const ref = k.unfusedConv(x, w, b, 1, 'SAME', ['BiasAdd', 'Relu']);
    let outs: tf.Tensor[];
    try {
      outs = k.mklLayoutFusedConvRaw(x, w, b, 1, 'SAME', ['BiasAdd', 'Relu']);
    } catch (e) {
      print({ op: '_MklFusedConv2D', runs: false, error: errorText(e) });
      return;
    }
    const [y, , meta] = outs;
    if (!y || !meta) throw new Error('_MklFusedConv2D returned fewer than 4 outputs');
    print({ op: '_MklFusedConv2D', runs: true, outputElements: y.size, nhwcElements: ref.y.size, outputShape: y.shape });
    if (!toTf) return;
    print({ op: '_MklToTf', converting: true });
    let plain: tf.Tensor;
    try {
      plain = k.mklToTf(y, meta);
    } catch (e) {
      print({ op: '_MklToTf', runs: false, error: errorText(e) });
      return;
    }
    print({ op: '_MklToTf', runs: true, ...(plain.shape.join() === ref.y.shape.join() ? relDiff(plain.dataSync(), ref.y.dataSync()) : { shape: plain.shape }) });
  });
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'on';
  const onednn = mode !== 'off';
  const { detail } = await loadTensorflowBackend({ disableOnednn: !onednn });
  await tf.setBackend('tensorflow');
  const k = new Kernels(nodeBackend(tf), tf);
  print({ detail, backend: tf.getBackend() });
  const before = tf.memory().numTensors;
  if (mode === 'on' || mode === 'off') comparisons(k, onednn);
  else layout(k, mode === 'totf');
  print({ done: true, leaked: tf.memory().numTensors - before });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
