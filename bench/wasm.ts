/**
 * The wasm backend against the native one on the three course models (issue 12), printed as
 * plain-text tables (bench/run.ts puts this output into docs/benchmarks.md):
 *   1. Training step throughput: ms per step on random data of the model's input shape at its
 *      batch size, the trainer's step on each backend (TensorFlow's ops called directly on
 *      `tensorflow`, bench/steps.ts's worker; `trainOnBatch` on wasm). Each configuration runs in
 *      a fresh process (the thread count is fixed per process), configurations interleaved and
 *      repeated; the median per process, then the median over rounds. wasm "before" is the
 *      backend as it was before this work: one thread, and the kernels of then (the filter
 *      gradient always as a convolution, the general MaxPoolGrad loop, tfjs's own BatchMatMul,
 *      Transpose, Identity and Cast).
 *   2. The ceiling: the best large float32 matmul of each configuration (GFLOP/s) and the least
 *      time a step's multiply-adds take at that rate.
 *   3. Where a wasm step spends its time, per kernel (tf.profile), before and now.
 *   4. The replaced kernels against tfjs's own at the models' shapes.
 *
 * Run: npx tsx bench/wasm.ts [--steps N] [--rounds N] [--models keras,course,cifar] [--skip kernels,profile,peak]
 * Times are wall times on a shared machine; the spread of the rounds is printed beside each median.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend } from '../src/trainer/backends/wasm';
import { shippedWasmKernel } from '../src/trainer/backends/wasmKernels';
import { conv2dBackpropFilterWasm } from '../src/trainer/backends/wasmKernels/conv2dBackpropFilter';
import { maxPoolGradWasm } from '../src/trainer/backends/wasmKernels/maxPoolGrad';
import { buildModel, compileModel } from '../src/trainer/model';
import { ROOT, arg, capture, flag, loadModelFile, median } from './lib/common';

interface BenchModel { readonly id: string; readonly title: string; readonly file: string }

const MODELS: readonly BenchModel[] = [
  { id: 'keras', title: 'Keras mnist_convnet', file: 'examples/mnist-keras-example.cnn.yaml' },
  { id: 'course', title: 'Course MNIST (2 conv + 2 dense)', file: 'examples/mnist.cnn.yaml' },
  { id: 'cifar', title: 'CIFAR-10 simplified AlexNet', file: 'examples/cifar10-alexnet.cnn.yaml' },
];

type ConfigId = 'native' | 'wasm-before' | 'wasm-1' | 'wasm';

const CONFIGS: readonly { id: ConfigId; title: string }[] = [
  { id: 'native', title: 'tensorflow (native)' },
  { id: 'wasm-before', title: 'wasm before (1 thread, old kernels)' },
  { id: 'wasm-1', title: 'wasm now, 1 thread' },
  { id: 'wasm', title: 'wasm now (default threads)' },
];

const threadEnv = (id: ConfigId): NodeJS.ProcessEnv => (id === 'wasm-before' || id === 'wasm-1' ? { CNN_LAB_WASM_THREADS: '1' } : {});

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')).join('\n');
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '—');
const f0 = (v: number): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '—');

// ------------------------------------------------------------------ the kernels of before

/** Swaps in the wasm kernels as they were before issue 12 (see the header). */
function useKernelsOfBefore(): void {
  for (const name of [tf.BatchMatMul, tf.Transpose, tf.Identity, tf.Cast]) {
    const shipped = shippedWasmKernel(name);
    if (shipped === undefined) throw new Error(`no shipped ${name} to go back to`);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(shipped);
  }
  const replace = (name: string, kernelFunc: tf.KernelFunc): void => {
    const ours = tf.getKernel(name, 'wasm');
    if (ours === undefined) throw new Error(`no ${name} registered`);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...ours, kernelFunc });
  };
  replace(tf.Conv2DBackpropFilter, (a) => conv2dBackpropFilterWasm(a, 'conv'));
  replace(tf.MaxPoolGrad, (a) => maxPoolGradWasm(a, 'general'));
}

// ------------------------------------------------------------------ worker: one configuration

interface KernelTime { readonly kernel: string; readonly ms: number; readonly calls: number }
interface StepResult { readonly msPerStep: number; readonly detail: string; readonly profile?: readonly KernelTime[] }

async function wasmWorker(config: ConfigId, modelFile: string, steps: number, profile: boolean): Promise<StepResult> {
  const { detail } = await loadWasmBackend();
  if (config === 'wasm-before') useKernelsOfBefore();
  const { spec } = loadModelFile(modelFile);
  const built = buildModel(spec);
  compileModel(built, spec);
  const [h, w, c] = spec.inputShape;
  const batch = spec.train.batchSize;
  const classes = spec.numClasses ?? 10;
  const x = tf.randomUniform([batch, h, w, c]);
  const y = tf.oneHot(tf.randomUniform<tf.Rank.R1>([batch], 0, classes, 'int32'), classes);
  for (let i = 0; i < 3; i++) await built.model.trainOnBatch(x, y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await built.model.trainOnBatch(x, y);
    times.push(performance.now() - t0);
  }
  let kernels: KernelTime[] | undefined;
  if (profile) {
    const rounds = 3;
    const per = new Map<string, { ms: number; calls: number }>();
    for (let r = 0; r < rounds; r++) {
      const info = await tf.profile(async () => { await built.model.trainOnBatch(x, y); });
      for (const k of info.kernels) {
        const e = per.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / rounds;
        e.calls += 1 / rounds;
        per.set(k.name, e);
      }
    }
    kernels = [...per].map(([kernel, e]) => ({ kernel, ms: e.ms, calls: Math.round(e.calls) })).sort((a, b) => b.ms - a.ms);
  }
  return { msPerStep: median(times), detail, ...(kernels ? { profile: kernels } : {}) };
}

async function runConfig(config: ConfigId, model: BenchModel, steps: number, profile: boolean): Promise<StepResult> {
  const file = path.join(ROOT, model.file);
  // The native step as the trainer runs it: bench/steps.ts's worker, its configuration of "the trainer now".
  // (Imported here, in the parent: steps.ts loads the tensorflow backend's module.)
  const { STEP_CONFIGS } = await import('./steps');
  const args = config === 'native'
    ? [path.join(ROOT, 'bench', 'steps.ts'), 'worker', JSON.stringify(STEP_CONFIGS.find((c) => c.id === 'tf-dropout')), file, String(steps)]
    : [__filename, 'worker', config, file, String(steps), profile ? 'profile' : ''];
  const res = await capture(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...threadEnv(config) }, timeoutMs: 600_000 });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.code !== 0 || !line) throw new Error(`${config} on ${model.id} failed: ${res.stderr.slice(-1500)}`);
  return JSON.parse(line) as StepResult;
}

// ------------------------------------------------------------------ 1.–3. throughput, ceiling, profile

interface Peak { readonly flops: number; readonly n: number }

async function peakOf(config: 'native' | 'wasm-1' | 'wasm'): Promise<Peak | null> {
  const [backend, n] = config === 'native' ? ['tensorflow', 2048] : ['wasm', 1024];
  const res = await capture(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'peakWorker.ts'), backend, String(n)],
    { env: { ...process.env, ...threadEnv(config) }, timeoutMs: 300_000 });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  return res.code === 0 && line ? (JSON.parse(line) as Peak) : null;
}

/** Multiply-adds of one training step: forward, weight gradient, and input gradient except for the first layer. */
function stepMacs(model: BenchModel): number {
  const { spec, summary } = loadModelFile(path.join(ROOT, model.file));
  return spec.train.batchSize * (3 * summary.totalMacs - (summary.layers[0]?.macs ?? 0));
}

async function throughput(models: readonly BenchModel[], rounds: number, steps: number, skip: ReadonlySet<string>): Promise<void> {
  const ms = new Map<string, number[]>();
  const details = new Map<ConfigId, string>();
  const profileRuns = new Map<string, (readonly KernelTime[])[]>();
  const failures: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const model of models) {
      // Rotate the order, so that no configuration always runs right after another.
      const order = CONFIGS.map((_, i) => CONFIGS[(i + r) % CONFIGS.length] as (typeof CONFIGS)[number]);
      for (const config of order) {
        const wantProfile = !skip.has('profile') && config.id !== 'native';
        const key = `${model.id}/${config.id}`;
        let out: StepResult;
        try {
          out = await runConfig(config.id, model, steps, wantProfile);
        } catch (err) {
          // One retry: this machine is shared, and a run can also die of a half-edited checkout.
          process.stderr.write(`  ${key} failed, once more: ${String(err).slice(0, 300)}\n`);
          try {
            out = await runConfig(config.id, model, steps, wantProfile);
          } catch (again) {
            failures.push(`${key}: ${String(again).split('\n').find((l) => /Error/.test(l)) ?? String(again).slice(0, 200)}`);
            continue;
          }
        }
        ms.set(key, [...(ms.get(key) ?? []), out.msPerStep]);
        details.set(config.id, out.detail);
        if (out.profile) profileRuns.set(key, [...(profileRuns.get(key) ?? []), out.profile]);
        process.stderr.write(`  round ${r + 1} ${key}: ${out.msPerStep.toFixed(1)} ms/step\n`);
      }
    }
  }

  // Per kernel, the median over the processes (one profile of 3 steps each).
  const profiles = new Map<string, readonly KernelTime[]>([...profileRuns].map(([key, runs]) => {
    const names = [...new Set(runs.flatMap((p) => p.map((k) => k.kernel)))];
    const merged = names.map((kernel) => {
      const ks = runs.map((p) => p.find((k) => k.kernel === kernel));
      return { kernel, ms: median(ks.map((k) => k?.ms ?? 0)), calls: median(ks.map((k) => k?.calls ?? 0)) };
    });
    return [key, merged.sort((a, b) => b.ms - a.ms)];
  }));

  console.log(`Training step throughput (samples/s; ms per step, median of ${rounds} process${rounds === 1 ? '' : 'es'} × ${steps} steps, min–max of the processes in brackets;`
    + ' "best" compares the fastest process of each, the one other load on the machine disturbed least):');
  const head = ['model (batch)', ...CONFIGS.map((c) => c.title), 'wasm now ÷ native (median; best)', 'wasm now ÷ before'];
  const rows: string[][] = [head];
  for (const model of models) {
    const { spec } = loadModelFile(path.join(ROOT, model.file));
    const batch = spec.train.batchSize;
    const med = (id: ConfigId): number => median(ms.get(`${model.id}/${id}`) ?? []);
    const cell = (id: ConfigId): string => {
      const xs = ms.get(`${model.id}/${id}`) ?? [];
      return `${f0((batch * 1000) / med(id))} (${f1(med(id))} ms; ${f1(Math.min(...xs))}–${f1(Math.max(...xs))})`;
    };
    const fastest = (id: ConfigId): number => Math.min(...(ms.get(`${model.id}/${id}`) ?? []));
    rows.push([`${model.title} (${batch})`, ...CONFIGS.map((c) => cell(c.id)),
      `${((100 * med('native')) / med('wasm')).toFixed(1)}%; ${((100 * fastest('native')) / fastest('wasm')).toFixed(1)}%`,
      `${(med('wasm-before') / med('wasm')).toFixed(2)}×`]);
  }
  console.log(table(rows));
  console.log('');
  for (const c of CONFIGS) console.log(`- ${c.title}: ${details.get(c.id) ?? '?'}`);
  for (const f of failures) console.log(`- failed (left out): ${f}`);

  if (!skip.has('peak')) {
    console.log('\nThe ceiling: best n×n float32 matmul per configuration, the least time a step\'s multiply-adds'
      + ' (forward, weight gradient, input gradient but the first layer\'s) take at that rate, and how close each step comes:');
    const peaks = { native: await peakOf('native'), 'wasm-1': await peakOf('wasm-1'), wasm: await peakOf('wasm') };
    const gf = (p: Peak | null): string => (p ? `${f1(p.flops / 1e9)} GFLOP/s (n = ${p.n})` : 'failed');
    console.log(`  peak: tensorflow ${gf(peaks.native)}; wasm 1 thread ${gf(peaks['wasm-1'])}; wasm now ${gf(peaks.wasm)}`);
    const crows: string[][] = [['model', 'GMAC/step', 'native at peak ms', 'native ms', 'native % of peak', 'wasm at peak ms', 'wasm ms',
      'wasm % of peak', 'wasm at its peak ÷ native as measured']];
    for (const model of models) {
      const macs = stepMacs(model);
      const at = (p: Peak | null): number => (p ? (2000 * macs) / p.flops : NaN);
      const nat = median(ms.get(`${model.id}/native`) ?? []);
      const was = median(ms.get(`${model.id}/wasm`) ?? []);
      crows.push([model.title, (macs / 1e9).toFixed(2), f1(at(peaks.native)), f1(nat), `${((100 * at(peaks.native)) / nat).toFixed(0)}%`,
        f1(at(peaks.wasm)), f1(was), `${((100 * at(peaks.wasm)) / was).toFixed(0)}%`, `${((100 * nat) / at(peaks.wasm)).toFixed(0)}%`]);
    }
    console.log(table(crows));
  }

  for (const model of models) {
    const now = profiles.get(`${model.id}/wasm`);
    const before = profiles.get(`${model.id}/wasm-before`);
    const one = profiles.get(`${model.id}/wasm-1`) ?? [];
    if (!now || !before) continue;
    const sum = (p: readonly KernelTime[]): number => p.reduce((a, k) => a + k.ms, 0);
    console.log(`\n${model.title}: time per kernel in one wasm step (tf.profile, mean of 3 steps per process, median of the processes; kernel sum before ${f1(sum(before))} ms, `
      + `now on 1 thread ${f1(sum(one))} ms, now ${f1(sum(now))} ms):`);
    const names = [...new Set([...before.slice(0, 12), ...now.slice(0, 12)].map((k) => k.kernel))];
    const get = (p: readonly KernelTime[], n: string): KernelTime | undefined => p.find((k) => k.kernel === n);
    const prow: string[][] = [['kernel', 'calls', 'before ms', 'now, 1 thread ms', 'now ms', 'share now']];
    for (const n of names.sort((a, b) => (get(now, b)?.ms ?? 0) - (get(now, a)?.ms ?? 0))) {
      const k = get(now, n);
      prow.push([n, String(k?.calls ?? get(before, n)?.calls ?? 0), f1(get(before, n)?.ms ?? 0), f1(get(one, n)?.ms ?? NaN), f1(k?.ms ?? 0),
        `${(((k?.ms ?? 0) * 100) / sum(now)).toFixed(0)}%`]);
    }
    console.log(table(prow));
  }
}

// ------------------------------------------------------------------ 4. kernels against tfjs's own

/** Best wall time in ms of `runs` calls after one warm-up call. */
function best(runs: number, f: () => void): number {
  f();
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Runs a kernel function directly (wasm kernels are synchronous) and frees its output. */
function call(func: tf.KernelFunc, inputs: tf.NamedTensorMap, attrs: object): void {
  const info = func({ inputs, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  tf.backend().disposeData(info.dataId);
}

async function kernelTable(): Promise<void> {
  const { detail } = await loadWasmBackend();
  console.log(`\nReplaced kernels at the models' shapes (${detail.replace(/, \+\d+ kernels.*/, '')}; best of 5, ms):`);
  const rows: string[][] = [['kernel', 'shape', 'tfjs ships', 'before', 'now']];
  const shipped = (name: string): tf.KernelFunc | undefined => shippedWasmKernel(name)?.kernelFunc;
  const ours = (name: string): tf.KernelFunc => tf.getKernel(name, 'wasm').kernelFunc;
  const time = (func: tf.KernelFunc | undefined, inputs: tf.NamedTensorMap, attrs: object): string =>
    (func === undefined ? '—' : f1(best(5, () => call(func, inputs, attrs))));

  const convs: { x: [number, number, number, number]; k: number; co: number; pad: 'same' | 'valid' }[] = [
    { x: [128, 28, 28, 1], k: 3, co: 32, pad: 'valid' }, { x: [128, 13, 13, 32], k: 3, co: 64, pad: 'valid' },
    { x: [128, 28, 28, 1], k: 3, co: 32, pad: 'same' }, { x: [128, 14, 14, 32], k: 3, co: 64, pad: 'same' },
    { x: [32, 32, 32, 3], k: 2, co: 16, pad: 'same' }, { x: [32, 16, 16, 16], k: 2, co: 32, pad: 'same' },
  ];
  for (const c of convs) {
    const filterShape = [c.k, c.k, c.x[3], c.co] as [number, number, number, number];
    const x = tf.randomNormal(c.x);
    const w = tf.randomNormal(filterShape);
    const dy = tf.randomNormal(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, c.pad).shape);
    const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', filterShape };
    rows.push(['Conv2DBackpropFilter', `x ${c.x.join('×')}, ${c.k}×${c.k}→${c.co} ${c.pad}`, '—',
      time((a) => conv2dBackpropFilterWasm(a, 'conv'), { x, dy }, attrs), time(ours(tf.Conv2DBackpropFilter), { x, dy }, attrs)]);
    tf.dispose([x, w, dy]);
  }
  const pools: [number, number, number, number][] = [[128, 26, 26, 32], [128, 28, 28, 32], [128, 14, 14, 64], [32, 32, 32, 16]];
  for (const shape of pools) {
    const input = tf.relu(tf.randomNormal(shape));
    const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
    const dy = tf.randomNormal(output.shape);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    rows.push(['MaxPoolGrad', `x ${shape.join('×')}, 2×2/2`, time(shipped(tf.MaxPoolGrad), { dy, input, output }, attrs),
      time((a) => maxPoolGradWasm(a, 'general'), { dy, input, output }, attrs), time(ours(tf.MaxPoolGrad), { dy, input, output }, attrs)]);
    tf.dispose([input, output, dy]);
  }
  const products: [number[], number[], boolean, boolean, string][] = [
    [[128, 64], [3136, 64], false, true, 'dx = dy·Wᵀ, dense 3136→64'], [[128, 3136], [128, 64], true, false, 'dW = xᵀ·dy, dense 3136→64'],
    [[32, 500], [1024, 500], false, true, 'dx = dy·Wᵀ, dense 1024→500'], [[32, 1024], [32, 500], true, false, 'dW = xᵀ·dy, dense 1024→500'],
  ];
  for (const [as, bs, transposeA, transposeB, what] of products) {
    const a = tf.randomNormal(as);
    const b = tf.randomNormal(bs);
    const attrs = { transposeA, transposeB };
    const t = time(shipped(tf.BatchMatMul), { a, b }, attrs);
    rows.push(['BatchMatMul', what, t, t, time(ours(tf.BatchMatMul), { a, b }, attrs)]);
    tf.dispose([a, b]);
  }
  const perms: [number[], number[], string][] = [
    [[128, 13, 13, 32], [3, 1, 2, 0], 'x of the filter gradient'], [[128, 11, 11, 64], [1, 2, 0, 3], 'dy of the filter gradient'],
    [[1024, 500], [1, 0], 'dense kernel'],
  ];
  for (const [shape, perm, what] of perms) {
    const x = tf.randomNormal(shape);
    const t = time(shipped(tf.Transpose), { x }, { perm });
    rows.push(['Transpose', `${shape.join('×')} by [${perm.join(',')}] (${what})`, t, t, time(ours(tf.Transpose), { x }, { perm })]);
    x.dispose();
  }
  {
    const x = tf.randomNormal([128, 26, 26, 32]);
    const t = time(shipped(tf.Identity), { x }, {});
    rows.push(['Identity', '128×26×26×32', t, t, time(ours(tf.Identity), { x }, {})]);
    const c = time(shipped(tf.Cast), { x }, { dtype: 'float32' });
    rows.push(['Cast (float32→float32)', '128×26×26×32', c, c, time(ours(tf.Cast), { x }, { dtype: 'float32' })]);
    x.dispose();
  }
  console.log(table(rows));
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  if (process.argv[2] === 'worker') {
    const [config, file, steps, profile] = process.argv.slice(3);
    console.log(JSON.stringify(await wasmWorker(config as ConfigId, file ?? '', Number(steps ?? 10), profile === 'profile')));
    return;
  }
  if (process.argv[2] === 'kernels') {
    await kernelTable();
    return;
  }
  const steps = Number(arg('steps') ?? 10);
  const rounds = Number(arg('rounds') ?? (steps <= 2 ? 1 : 3));
  const skip = new Set((arg('skip') ?? '').split(',').filter(Boolean));
  const wanted = (arg('models') ?? 'keras,course,cifar').split(',');
  const models = MODELS.filter((m) => wanted.includes(m.id));
  console.log(`wasm backend against native, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, `
    + `load average at start ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
  await throughput(models, rounds, steps, skip);
  if (!skip.has('kernels') && !flag('no-kernels')) {
    // In its own process: the wasm backend with the default thread count.
    const res = await capture(process.execPath, ['--import', 'tsx', __filename, 'kernels'], { timeoutMs: 600_000 });
    console.log(res.code === 0 ? res.stdout.trimEnd() : `kernel table failed: ${res.stderr.slice(-500)}`);
  }
  console.log(`\nload average at end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
