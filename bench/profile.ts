/**
 * Where one native training step (src/trainer/nativeStep.ts, as the trainer runs it) spends its
 * time, op by op, for each benchmark model: the backend's `executeSingleOutput` and
 * `executeMultipleOutputs` are wrapped to time each call by op name (TensorFlow's eager ops run
 * synchronously on the CPU, so a call's time is the kernel's plus tfjs-node's per-op overhead);
 * `readSync` (the loss and logits read back) and `write` (scalars uploaded) likewise; the rest of
 * the step is JavaScript (the plan, tidy, tensor bookkeeping). The convolutions and matmuls also
 * count their FLOPs from their operands' shapes, so each says how far it runs from the machine's
 * matmul peak. Random data of the model's input shape at its batch size; plain and profiled steps
 * alternate; median per step over the profiled steps.
 *
 *   npx tsx bench/profile.ts [--models FILE,FILE] [--steps N] [--threads N] [--peak GFLOPS] [--json]
 *
 * Threads: N intra-op (default 2), 1 inter-op, as docs/benchmarks.md measures. `npm run bench`
 * runs it for its models and writes the tables into docs/benchmarks.md (`--json` is its format).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend, needsOnednnOff } from '../src/trainer/backends/tensorflow';
import { buildModel, compileModel } from '../src/trainer/model';
import { NativeStep } from '../src/trainer/nativeStep';
import { ROOT, arg, flag, fmt, loadModelFile, markdownTable, median } from './lib/common';

interface Attr { readonly name: string; readonly value: unknown }
type Exec = (name: string, attrs: readonly Attr[], inputs: readonly tf.Tensor[]) => tf.Tensor;
type ExecMulti = (name: string, attrs: readonly Attr[], inputs: readonly tf.Tensor[], n: number) => tf.Tensor[];
interface Wrappable {
  executeSingleOutput: Exec;
  executeMultipleOutputs: ExecMulti;
  readSync(dataId: unknown): unknown;
  write(...args: unknown[]): unknown;
}

const WRAPPED = ['executeSingleOutput', 'executeMultipleOutputs', 'readSync', 'write'] as const;
const READ = '(readSync: loss, logits to JS)';
const WRITE = '(write: scalars from JS)';
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * FLOPs of one call of a convolution or matmul (2 per multiply-add), from its operands and
 * output; 0 for any other op.
 */
function flopsOf(name: string, attrs: readonly Attr[], inputs: readonly tf.Tensor[], out: readonly tf.Tensor[]): number {
  const shape = (t: tf.Tensor | undefined): number[] => t?.shape ?? [];
  const attr = (n: string): unknown => attrs.find((a) => a.name === n)?.value;
  if (/^(Conv2D|_MklNativeConv2D|_MklNativeConv2DWithBias|_MklNativeFusedConv2D|_FusedConv2D)$/.test(name)) {
    const [kh = 0, kw = 0, cin = 0] = shape(inputs[1]);
    return 2 * size(shape(out[0])) * kh * kw * cin;
  }
  if (name.endsWith('Conv2DBackpropInput')) {
    const [kh = 0, kw = 0, cin = 0] = shape(inputs[1]);
    return 2 * size(shape(inputs[2])) * kh * kw * cin;
  }
  if (name.endsWith('Conv2DBackpropFilter')) {
    const [kh = 0, kw = 0, cin = 0] = shape(out[0]);
    return 2 * size(shape(inputs[2])) * kh * kw * cin;
  }
  if (name === 'DepthwiseConv2dNative') {
    const [kh = 0, kw = 0] = shape(inputs[1]);
    return 2 * size(shape(out[0])) * kh * kw;
  }
  if (name === 'DepthwiseConv2dNativeBackpropInput' || name === 'DepthwiseConv2dNativeBackpropFilter') {
    const [kh = 0, kw = 0] = shape(name.endsWith('Input') ? inputs[1] : out[0]);
    return 2 * size(shape(inputs[2])) * kh * kw;
  }
  if (name === 'MatMul' || name === '_FusedMatMul') {
    const a = shape(inputs[0]);
    const b = shape(inputs[1]);
    const m = attr('transpose_a') === true ? a[1] : a[0];
    const k = attr('transpose_a') === true ? a[0] : a[1];
    const n = attr('transpose_b') === true ? b[0] : b[1];
    return 2 * (m ?? 0) * (k ?? 0) * (n ?? 0);
  }
  return 0;
}

/**
 * Accumulates time, calls and FLOPs by op name while `active`, by wrapping the backend object's
 * methods with own properties (its class's prototype methods stay; `restore` deletes the wrappers).
 */
class OpProfiler {
  active = false;
  readonly time = new Map<string, number>();
  readonly calls = new Map<string, number>();
  readonly flops = new Map<string, number>();
  constructor(private readonly be: Wrappable) {
    for (const m of WRAPPED) {
      if (Object.prototype.hasOwnProperty.call(be, m)) throw new Error(`the backend's ${m} is already wrapped`);
    }
    const single = be.executeSingleOutput.bind(be);
    const multi = be.executeMultipleOutputs.bind(be);
    const read = be.readSync.bind(be);
    const write = be.write.bind(be);
    be.executeSingleOutput = (name, attrs, inputs) => this.timed(name, () => single(name, attrs, inputs), (y) => flopsOf(name, attrs, inputs, [y]));
    be.executeMultipleOutputs = (name, attrs, inputs, n) => this.timed(name, () => multi(name, attrs, inputs, n), (ys) => flopsOf(name, attrs, inputs, ys));
    be.readSync = (dataId) => this.timed(READ, () => read(dataId), () => 0);
    be.write = (...args) => this.timed(WRITE, () => write(...args), () => 0);
  }
  private timed<T>(name: string, fn: () => T, flops: (out: T) => number): T {
    if (!this.active) return fn();
    const t0 = performance.now();
    const out = fn();
    this.time.set(name, (this.time.get(name) ?? 0) + performance.now() - t0);
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    this.flops.set(name, (this.flops.get(name) ?? 0) + flops(out));
    return out;
  }
  reset(): void { this.time.clear(); this.calls.clear(); this.flops.clear(); }
  restore(): void {
    for (const m of WRAPPED) delete (this.be as unknown as Record<string, unknown>)[m];
  }
}

export interface OpRow {
  readonly name: string;
  /** Median ms per step. */
  readonly ms: number;
  readonly calls: number;
  /** FLOPs per step (convolutions and matmuls), else 0. */
  readonly flops: number;
}

export interface ProfileResult {
  readonly title: string;
  readonly file: string;
  readonly batch: number;
  readonly plainMs: number;
  readonly profiledMs: number;
  readonly ops: readonly OpRow[];
  /** JavaScript between the ops, median ms per step. */
  readonly otherMs: number;
  /** What the step runs with (`NativeStep.mkl`, `.fused`). */
  readonly kernels: string;
}

/** What each op does, for the summary by kind. */
const KINDS: readonly { readonly kind: string; readonly match: RegExp }[] = [
  { kind: 'convolution forward', match: /^(Conv2D|_MklNativeConv2D|_MklNativeConv2DWithBias|_MklNativeFusedConv2D|_FusedConv2D|DepthwiseConv2dNative)$/ },
  { kind: 'convolution gradients', match: /Backprop(Input|Filter)$/ },
  { kind: 'matmul (dense layers)', match: /MatMul$/ },
  { kind: 'pooling and its gradient', match: /Pool|^Mean$|^BroadcastTo$/ },
  { kind: 'batch norm (with its ReLU where fused) and its gradient', match: /BatchNorm/ },
  { kind: 'bias gradient', match: /^BiasAdd(Grad)?$/ },
  { kind: 'activations and their gradients', match: /^(Relu|Relu6|Elu|Selu|Sigmoid|Tanh|Softplus|Softsign|LeakyRelu|Softmax)(Grad)?$/ },
  { kind: 'dropout masks', match: /^(StatelessRandomUniform|GreaterEqual|SelectV2)$/ },
  { kind: 'optimizer and variables', match: /^(ResourceApply|ReadVariableOp|AssignVariableOp)/ },
  { kind: 'loss', match: /^SparseSoftmaxCrossEntropyWithLogits$/ },
];
const kindOf = (op: string): string => (op.startsWith('(') ? 'JavaScript ↔ TensorFlow transfers' : KINDS.find((k) => k.match.test(op))?.kind ?? 'other element-wise ops (Mul, Sub, Reshape, …)');

async function profileModel(title: string, file: string, be: Wrappable, steps: number): Promise<ProfileResult> {
  const { spec } = loadModelFile(path.join(ROOT, file));
  if (needsOnednnOff(spec)) throw new Error(`${file} needs oneDNN off; this bench loads it on`);
  const built = buildModel(spec);
  const optimizer = compileModel(built, spec);
  const [h, w, c] = spec.inputShape;
  const batch = spec.train.batchSize;
  const classes = spec.numClasses ?? 10;
  const x = tf.randomUniform([batch, h, w, c]);
  const labels = tf.randomUniform([batch], 0, classes, 'int32');
  const step = await NativeStep.create(built, spec, optimizer);
  if (!step) throw new Error(`the native step does not take ${file}`);
  for (let i = 0; i < 10; i++) step.step(x, labels);
  const profiler = new OpProfiler(be);
  const perStep = new Map<string, number[]>();
  const calls = new Map<string, number>();
  const flops = new Map<string, number>();
  const plain: number[] = [];
  const totals: number[] = [];
  const others: number[] = [];
  try {
    // Plain and profiled steps alternate, so both see the same load on the machine.
    for (let i = 0; i < steps; i++) {
      let t0 = performance.now();
      step.step(x, labels);
      plain.push(performance.now() - t0);
      profiler.reset();
      profiler.active = true;
      t0 = performance.now();
      step.step(x, labels);
      const total = performance.now() - t0;
      profiler.active = false;
      totals.push(total);
      let inOps = 0;
      for (const [name, ms] of profiler.time) {
        inOps += ms;
        perStep.set(name, [...(perStep.get(name) ?? []), ms]);
        calls.set(name, profiler.calls.get(name) ?? 0);
        flops.set(name, profiler.flops.get(name) ?? 0);
      }
      others.push(total - inOps);
    }
  } finally {
    profiler.restore();
  }
  const kernels = [step.mkl ? 'oneDNN pooling and conv kernels' : 'stock kernels', ...(step.fused ? [`fused conv kernels (${step.fused})`] : [])].join(', ');
  step.dispose();
  x.dispose();
  labels.dispose();
  built.model.dispose();
  const ops = [...perStep].map(([name, s]) => ({ name, ms: median(s), calls: calls.get(name) ?? 0, flops: flops.get(name) ?? 0 })).sort((a, b) => b.ms - a.ms);
  return { title, file, batch, plainMs: median(plain), profiledMs: median(totals), ops, otherMs: median(others), kernels };
}

/** The op-by-op table; `peakFlops`: the matmul peak the convolutions and matmuls are held to. */
export function profileTable(r: ProfileResult, peakFlops: number | null): string {
  const sum = r.ops.reduce((a, o) => a + o.ms, 0) + r.otherMs;
  const rate = (o: OpRow): string => {
    if (o.flops <= 0) return '';
    const g = o.flops / (o.ms / 1000) / 1e9;
    return `${g.toFixed(1)}${peakFlops ? ` (${((100 * g * 1e9) / peakFlops).toFixed(0)}%)` : ''}`;
  };
  return markdownTable(['op', 'calls/step', 'ms/step (median)', 'share', `GFLOP/s${peakFlops ? ' (% of peak)' : ''}`], [
    ...r.ops.map((o) => [o.name, String(o.calls), o.ms.toFixed(3), `${((100 * o.ms) / sum).toFixed(1)}%`, rate(o)]),
    ['(JavaScript between ops: plan, tidy, tensor bookkeeping)', '', r.otherMs.toFixed(3), `${((100 * r.otherMs) / sum).toFixed(1)}%`, ''],
  ]);
}

/** The profiles side by side, by kind of op: ms per step and share of the step. */
export function profileSummaryTable(rs: readonly ProfileResult[]): string {
  const kinds = [...KINDS.map((k) => k.kind), 'other element-wise ops (Mul, Sub, Reshape, …)', 'JavaScript ↔ TensorFlow transfers', 'JavaScript between ops'];
  const byKind = (r: ProfileResult): Map<string, number> => {
    const m = new Map<string, number>();
    for (const o of r.ops) m.set(kindOf(o.name), (m.get(kindOf(o.name)) ?? 0) + o.ms);
    m.set('JavaScript between ops', r.otherMs);
    return m;
  };
  const maps = rs.map(byKind);
  const sums = maps.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const rows = kinds.filter((k) => maps.some((m) => (m.get(k) ?? 0) > 0)).map((k) => [k, ...maps.map((m, i) => {
    const v = m.get(k) ?? 0;
    return v > 0 ? `${v.toFixed(2)} (${((100 * v) / (sums[i] ?? 1)).toFixed(0)}%)` : '—';
  })]);
  rows.push(['step, profiled (unprofiled)', ...rs.map((r) => `${r.profiledMs.toFixed(2)} (${r.plainMs.toFixed(2)})`)]);
  return markdownTable(['ms per step (share)', ...rs.map((r) => `${r.title}, batch ${r.batch}`)], rows);
}

/** The benchmark's models (bench/run.ts), profiled by default. */
const PROFILE_MODELS: readonly { readonly title: string; readonly file: string }[] = [
  { title: 'Keras mnist_convnet', file: 'examples/mnist-keras-example.cnn.yaml' },
  { title: 'Course MNIST (2 conv + 2 dense)', file: 'examples/mnist.cnn.yaml' },
  { title: 'CIFAR-10 simplified AlexNet', file: 'examples/cifar10-alexnet.cnn.yaml' },
  { title: 'Fashion-MNIST batch norm', file: 'bench/models/fashion-batchnorm.cnn.yaml' },
];

async function main(): Promise<void> {
  const threads = Number(arg('threads') ?? 2);
  const steps = Number(arg('steps') ?? 40);
  const peak = arg('peak') ? Number(arg('peak')) * 1e9 : null;
  const files = arg('models')?.split(',');
  const models = files ? files.map((f) => PROFILE_MODELS.find((m) => m.file === f) ?? { title: path.basename(f), file: f }) : PROFILE_MODELS;
  const { detail } = await loadTensorflowBackend({ disableOnednn: false, threads: { intraOp: threads, interOp: 1 } });
  await tf.setBackend('tensorflow');
  const be = tf.backend() as unknown as Wrappable;
  const results: ProfileResult[] = [];
  for (const m of models) {
    process.stderr.write(`profiling ${m.file} ...\n`);
    results.push(await profileModel(m.title, m.file, be, steps));
  }
  if (flag('json')) {
    console.log(JSON.stringify({ detail, threads, steps, loadAverage: os.loadavg(), results }));
    return;
  }
  console.log(`${detail}, ${threads} intra-op threads; load average ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}\n`);
  console.log(profileSummaryTable(results));
  for (const r of results) {
    console.log(`\n${r.title}, batch ${r.batch} (${r.kernels}): ${r.plainMs.toFixed(2)} ms/step unprofiled, ${r.profiledMs.toFixed(2)} ms/step profiled, ${fmt((r.batch / r.plainMs) * 1000)} samples/s\n`);
    console.log(profileTable(r, peak));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
