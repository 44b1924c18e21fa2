/**
 * Fused kernels on the native backend (issue 12): forward time per call of conv + bias + ReLU and
 * dense + bias + ReLU, printed as Markdown tables: the unfused ops (`Conv2D`/`MatMul` → `BiasAdd`
 * → `Relu`), `_MklNativeConv2DWithBias` → `Relu` (the trainer's step before the fused kernels),
 * and the fused kernels `_FusedConv2D`/`_FusedMatMul` (TensorFlow's) and
 * `_MklNativeFusedConv2D`/`_MklNativeFusedMatMul` (oneDNN's), on the first layers of the course
 * models at their batch sizes; and the conv weight + bias gradient as two ops and as one kernel.
 * Median over many calls, the variants interleaved in rounds after a warm-up (oneDNN builds its
 * primitives on the first call). Its tables are the "Fused kernels" section of
 * docs/benchmarks.md, between `<!-- kept: fused-kernels -->` markers, which `npm run bench` keeps
 * as it is; the per-op profile of whole training steps is bench/profile.ts.
 *
 * Needs the patched addon (scripts/provision-native.mjs; the fused kernels take list attributes).
 *   npx tsx bench/fusedOps.ts [--threads N] [--rounds R] [--calls N] [--onednn off]
 * Threads: N intra-op (default 2), 1 inter-op, as docs/benchmarks.md measures.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from '../src/trainer/backends/tensorflow';
import { Kernels, nodeBackend, type Padding } from '../test/process/native/fusedKernels';
import { arg, machineInfo, markdownTable, median, quantile } from './lib/common';

const threads = Number(arg('threads') ?? 2);
const rounds = Number(arg('rounds') ?? 5);
const callsPerRound = Number(arg('calls') ?? 40);
/** `--onednn off`: libtensorflow without oneDNN (what a model with a oneDNN hazard trains on); only the stock kernels are timed. */
const onednn = arg('onednn') !== 'off';

// ------------------------------------------------------------------ 1. fused vs unfused, per call

interface ConvBench { readonly kind: 'conv'; readonly name: string; readonly batch: number; readonly h: number; readonly w: number; readonly c: number; readonly filters: number; readonly k: number; readonly padding: Padding }
interface DenseBench { readonly kind: 'dense'; readonly name: string; readonly batch: number; readonly inputs: number; readonly units: number }

const BENCHES: readonly (ConvBench | DenseBench)[] = [
  { kind: 'conv', name: 'course MNIST conv1 28×28×1→32 k3 same', batch: 128, h: 28, w: 28, c: 1, filters: 32, k: 3, padding: 'SAME' },
  { kind: 'conv', name: 'course MNIST conv2 14×14×32→64 k3 same', batch: 128, h: 14, w: 14, c: 32, filters: 64, k: 3, padding: 'SAME' },
  { kind: 'conv', name: 'Keras mnist_convnet conv1 28×28×1→32 k3 valid', batch: 128, h: 28, w: 28, c: 1, filters: 32, k: 3, padding: 'VALID' },
  { kind: 'conv', name: 'Keras mnist_convnet conv2 13×13×32→64 k3 valid', batch: 128, h: 13, w: 13, c: 32, filters: 64, k: 3, padding: 'VALID' },
  { kind: 'conv', name: 'CIFAR-10 AlexNet conv1 32×32×3→16 k2 same', batch: 32, h: 32, w: 32, c: 3, filters: 16, k: 2, padding: 'SAME' },
  { kind: 'conv', name: 'CIFAR-10 AlexNet conv2 16×16×16→32 k2 same', batch: 32, h: 16, w: 16, c: 16, filters: 32, k: 2, padding: 'SAME' },
  { kind: 'conv', name: 'CIFAR-10 AlexNet conv3 8×8×32→64 k2 same', batch: 32, h: 8, w: 8, c: 32, filters: 64, k: 2, padding: 'SAME' },
  { kind: 'dense', name: 'course MNIST dense1 3136→64 relu', batch: 128, inputs: 3136, units: 64 },
  { kind: 'dense', name: 'CIFAR-10 AlexNet dense1 1024→500 relu', batch: 32, inputs: 1024, units: 500 },
];

/**
 * The variants timed per layer. With ReLU: what a conv or dense layer with ReLU runs when nothing
 * follows it that takes the ReLU (the unfused ops, today's trainer, the two fused kernels). Bias
 * only: what a conv layer runs in today's trainer when a max pooling follows (its ReLU runs behind
 * the pooling, on a quarter of the values), and what a dense layer without ReLU runs. Backward:
 * the weight gradient with the bias gradient, as two ops and as oneDNN's one kernel (a candidate
 * the per-op profile points at: BiasAddGrad reads the whole output gradient once more).
 */
const VARIANTS = [
  'relu:unfused', 'relu:trainer', 'relu:stock', 'relu:mklNative',
  'bias:unfused', 'bias:trainer', 'bias:stock', 'bias:mklNative',
  'bwd:unfused', 'bwd:mkl', 'bwd:mklWithBias',
] as const;
type Variant = typeof VARIANTS[number];

interface Timing { readonly median: number; readonly p10: number; readonly p90: number }

function variantFn(k: Kernels, b: ConvBench | DenseBench, v: Variant, t: Inputs): (() => tf.Tensor | tf.Tensor[]) | null {
  const relu = ['BiasAdd', 'Relu'] as const;
  const bias = ['BiasAdd'] as const;
  const { x, w, b: bb, dy, wShape } = t;
  if (!onednn && (v.endsWith(':trainer') || v.includes('mkl'))) return null; // oneDNN's kernels, and the trainer's use of them
  if (b.kind === 'dense') {
    switch (v) {
      case 'relu:unfused': return () => tf.tidy(() => k.unfusedDense(x, w, bb, relu).y);
      case 'relu:stock': return () => k.fusedDense('stock', x, w, bb, relu);
      case 'relu:mklNative': return () => k.fusedDense('mklNative', x, w, bb, relu);
      case 'bias:unfused': return () => tf.tidy(() => k.unfusedDense(x, w, bb, bias).y);
      case 'bias:stock': return () => k.fusedDense('stock', x, w, bb, bias);
      case 'bias:mklNative': return () => k.fusedDense('mklNative', x, w, bb, bias);
      default: return null; // the trainer's dense is the unfused MatMul + BiasAdd (+ Relu); no conv backward
    }
  }
  const p = b.padding;
  switch (v) {
    case 'relu:unfused': return () => tf.tidy(() => k.unfusedConv(x, w, bb, 1, p, relu).y);
    case 'relu:trainer': return () => tf.tidy(() => k.relu(k.mklConv2dWithBias(x, w, bb, 1, p)));
    case 'relu:stock': return () => k.fusedConv('stock', x, w, bb, 1, p, relu);
    case 'relu:mklNative': return () => k.fusedConv('mklNative', x, w, bb, 1, p, relu);
    case 'bias:unfused': return () => tf.tidy(() => k.unfusedConv(x, w, bb, 1, p, bias).y);
    case 'bias:trainer': return () => k.mklConv2dWithBias(x, w, bb, 1, p);
    case 'bias:stock': return () => k.fusedConv('stock', x, w, bb, 1, p, bias);
    case 'bias:mklNative': return () => k.fusedConv('mklNative', x, w, bb, 1, p, bias);
    case 'bwd:unfused': return () => [k.conv2dBackpropFilter(x, wShape, dy, 1, p, false), k.biasAddGrad(dy)];
    case 'bwd:mkl': return () => [k.conv2dBackpropFilter(x, wShape, dy, 1, p, true), k.biasAddGrad(dy)];
    case 'bwd:mklWithBias': return () => k.mklConv2dBackpropFilterWithBias(x, wShape, dy, 1, p);
  }
}

interface Inputs { readonly x: tf.Tensor; readonly w: tf.Tensor; readonly b: tf.Tensor; readonly dy: tf.Tensor; readonly wShape: tf.Tensor }

function inputsFor(b: ConvBench | DenseBench): Inputs {
  if (b.kind === 'dense') {
    return {
      x: tf.randomUniform([b.batch, b.inputs], -1, 1), w: tf.randomUniform([b.inputs, b.units], -0.05, 0.05),
      b: tf.randomUniform([b.units], -0.3, 0.3), dy: tf.randomUniform([b.batch, b.units], -1, 1), wShape: tf.tensor1d([b.inputs, b.units], 'int32'),
    };
  }
  const oh = b.padding === 'SAME' ? b.h : b.h - b.k + 1;
  const ow = b.padding === 'SAME' ? b.w : b.w - b.k + 1;
  return {
    x: tf.randomUniform([b.batch, b.h, b.w, b.c], -1, 1), w: tf.randomUniform([b.k, b.k, b.c, b.filters], -0.2, 0.2),
    b: tf.randomUniform([b.filters], -0.3, 0.3), dy: tf.randomUniform([b.batch, oh, ow, b.filters], -1, 1),
    wShape: tf.tensor1d([b.k, b.k, b.c, b.filters], 'int32'),
  };
}

function timeKernels(k: Kernels): { bench: ConvBench | DenseBench; timings: Partial<Record<Variant, Timing>> }[] {
  return BENCHES.map((b) => {
    const inputs = inputsFor(b);
    const fns = VARIANTS.map((v) => [v, variantFn(k, b, v, inputs)] as const)
      .filter((e): e is readonly [Variant, () => tf.Tensor | tf.Tensor[]] => e[1] !== null);
    const samples = new Map<Variant, number[]>(fns.map(([v]) => [v, []]));
    for (const [, fn] of fns) for (let i = 0; i < 10; i++) tf.dispose(fn());
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round, so no variant always runs right after another.
      for (let j = 0; j < fns.length; j++) {
        const [v, fn] = fns[(j + r) % fns.length] as readonly [Variant, () => tf.Tensor | tf.Tensor[]];
        const out = samples.get(v) as number[];
        for (let i = 0; i < callsPerRound; i++) {
          const t0 = performance.now();
          const y = fn();
          out.push(performance.now() - t0);
          tf.dispose(y);
        }
      }
    }
    tf.dispose(Object.values(inputs));
    const timings: Partial<Record<Variant, Timing>> = {};
    for (const [v, s] of samples) timings[v] = { median: median(s), p10: quantile(s, 0.1), p90: quantile(s, 0.9) };
    process.stderr.write(`  ${b.name}: ${[...samples.keys()].map((v) => `${v} ${(timings[v]?.median ?? NaN).toFixed(3)}`).join(', ')} ms\n`);
    return { bench: b, timings };
  });
}

const ms = (t: Timing | undefined): string => (t ? `${t.median.toFixed(3)} (${t.p10.toFixed(3)}–${t.p90.toFixed(3)})` : '—');
const ratio = (a: Timing | undefined, b: Timing | undefined): string => (a && b ? `${(a.median / b.median).toFixed(2)}×` : '—');
function bestOf(...ts: (Timing | undefined)[]): Timing | undefined {
  return ts.filter((t): t is Timing => t !== undefined).sort((p, q) => p.median - q.median)[0];
}

/** A Markdown table without the columns that hold nothing ('—' in every row). */
function tableOf(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const keep = head.map((_, c) => rows.some((r) => (r[c] ?? '—') !== '—'));
  return markdownTable(head.filter((_, c) => keep[c]), rows.map((r) => r.filter((_, c) => keep[c])));
}

function kernelsTables(rows: ReturnType<typeof timeKernels>): string {
  const vsNow = onednn ? 'best fused ÷ trainer now' : 'fused ÷ unfused (what the trainer runs with oneDNN off)';
  const layer = (b: ConvBench | DenseBench): string => `${b.name} (${b.batch})`;
  const withRelu = tableOf(
    ['layer (batch)', 'Conv2D/MatMul + BiasAdd + Relu', 'trainer now: _MklNativeConv2DWithBias + Relu', '_FusedConv2D / _FusedMatMul', '_MklNativeFusedConv2D / _MklNativeFusedMatMul', vsNow],
    rows.map(({ bench, timings: t }) => [layer(bench), ms(t['relu:unfused']), ms(t['relu:trainer']), ms(t['relu:stock']), ms(t['relu:mklNative']),
      ratio(bestOf(t['relu:stock'], t['relu:mklNative']), t['relu:trainer'] ?? t['relu:unfused'])]),
  );
  const biasOnly = tableOf(
    ['layer (batch)', 'Conv2D/MatMul + BiasAdd', 'trainer now: _MklNativeConv2DWithBias (conv) / MatMul + BiasAdd (dense)', '_FusedConv2D / _FusedMatMul [BiasAdd]', '_MklNativeFusedConv2D / _MklNativeFusedMatMul [BiasAdd]', vsNow],
    rows.map(({ bench, timings: t }) => [layer(bench), ms(t['bias:unfused']), onednn ? ms(t['bias:trainer'] ?? t['bias:unfused']) : '—', ms(t['bias:stock']), ms(t['bias:mklNative']),
      ratio(bestOf(t['bias:stock'], t['bias:mklNative']), t['bias:trainer'] ?? t['bias:unfused'])]),
  );
  const backward = tableOf(
    ['layer (batch)', 'Conv2DBackpropFilter + BiasAddGrad (trainer now)', '_MklNativeConv2DBackpropFilter + BiasAddGrad', '_MklNativeConv2DBackpropFilterWithBias', 'with bias ÷ trainer now'],
    rows.filter((r) => r.bench.kind === 'conv').map(({ bench, timings: t }) => [layer(bench), ms(t['bwd:unfused']), ms(t['bwd:mkl']), ms(t['bwd:mklWithBias']), ratio(t['bwd:mklWithBias'], t['bwd:unfused'])]),
  );
  return [
    'Conv or dense + bias + ReLU (forward):', '', withRelu, '',
    'Conv or dense + bias, no ReLU (forward; a conv followed by max pooling runs this in the trainer, its ReLU behind the pooling):', '', biasOnly, '',
    ...(onednn ? ['Weight and bias gradient of a conv layer (backward):', '', backward] : []),
  ].join('\n');
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const { detail, versions } = await loadTensorflowBackend({ disableOnednn: !onednn, threads: { intraOp: threads, interOp: 1 } });
  await tf.setBackend('tensorflow');
  const be = nodeBackend(tf);
  const k = new Kernels(be, tf);
  const m = machineInfo();
  const out: string[] = [];
  out.push(`Measured by \`npx tsx bench/fusedOps.ts\` on ${new Date().toISOString().slice(0, 10)}: ${m.cpuModel} (${m.flags}), ${m.logicalCpus} logical CPUs, `
    + `${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, tfjs-node ${versions['tfjs-node'] ?? '?'} (binding patched), ${detail}; `
    + `load average at start ${m.loadAverageAtStart.join(', ')}.`);
  process.stderr.write('fused vs unfused, forward ms per call:\n');
  const rows = timeKernels(k);
  out.push('', `ms per call, median (10th–90th percentile) of ${rounds * callsPerRound} calls per variant (${rounds} interleaved rounds of ${callsPerRound}, after 10 warm-up calls), stride 1:`, '', kernelsTables(rows));
  console.log(out.join('\n'));
  process.stderr.write(`load average at end ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
