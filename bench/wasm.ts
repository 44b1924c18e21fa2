/**
 * Speed of the wasm backend with CNN Lab's gradient kernels, printed as tables:
 *   1. conv and pooling gradient kernels at the shapes of the Keras MNIST convnet (and a strided
 *      one): forward conv, our kernels, and the ones tfjs ships where we replaced them;
 *   2. samples/s of a training step (trainOnBatch) of the Keras mnist_convnet at batch 128:
 *      wasm with all our kernels, with each replaced kernel swapped back to the shipped one (what
 *      each replacement buys), and the cpu backend as the trainer configures it (a short slice);
 *   3. where a wasm training step spends its time, per kernel (tf.profile).
 *
 * Run: npx tsx bench/wasm.ts [--steps N] [--threads N]
 * Times are the best of several runs, so that other load on the machine distorts them less.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { loadWasmBackend } from '../src/trainer/backends/wasm';
import { shippedWasmKernel } from '../src/trainer/backends/wasmKernels';
import { registerFastCpuKernels } from '../src/trainer/backends/cpuKernels';
import { kerasMnistConvnet } from './lib/models';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Best wall time in ms of `runs` calls after one warm-up call. */
async function best(runs: number, f: () => Promise<void> | void): Promise<number> {
  await f();
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ')).join('\n');
}

const ms = (v: number): string => v.toFixed(1);

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel<tf.Tensor>(name, inputs, attrs as tf.NamedAttrMap);
}

async function kernelTable(): Promise<void> {
  // The shipped input-gradient kernel, called directly for comparison.
  const shipped = shippedWasmKernel(tf.Conv2DBackpropInput);
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'valid' | 'same' }[] = [
    { x: [128, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'valid' },
    { x: [128, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' },
    { x: [32, 32, 32, 16], f: [5, 5, 16, 32], s: 2, pad: 'same' },
  ];
  const rows: string[][] = [['x', 'filter', 'stride/pad', 'conv2d ms', 'dW ms', 'dx ms', 'dx shipped ms']];
  for (const c of cases) {
    const x = tf.randomNormal(c.x);
    const w = tf.randomNormal(c.f);
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad);
    const dy = tf.randomNormal(y.shape);
    const common = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const fwd = await best(5, () => tf.tidy(() => { tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad).dataSync(); }));
    const dW = await best(5, () => tf.tidy(() => { runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...common, filterShape: c.f }).dataSync(); }));
    const dx = await best(5, () => tf.tidy(() => { runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...common, inputShape: c.x }).dataSync(); }));
    const dxShipped = shipped === undefined ? NaN : await best(3, () => {
      const info = shipped.kernelFunc({ inputs: { dy, filter: w }, backend: tf.backend(), attrs: { ...common, inputShape: c.x } });
      tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo).dispose();
    });
    rows.push([c.x.join('×'), c.f.join('×'), `${c.s}/${c.pad}`, ms(fwd), ms(dW), ms(dx), ms(dxShipped)]);
    tf.dispose([x, w, y, dy]);
  }
  console.log(table(rows));

  const shippedPool = shippedWasmKernel(tf.MaxPoolGrad);
  const poolRows: string[][] = [['input', 'pool/stride/pad', 'maxPool ms', 'MaxPoolGrad ms', 'shipped ms']];
  const pools: { x: [number, number, number, number]; k: number; s: number; pad: 'valid' | 'same' }[] = [
    { x: [128, 26, 26, 32], k: 2, s: 2, pad: 'valid' },
    { x: [128, 11, 11, 64], k: 2, s: 2, pad: 'valid' },
    { x: [32, 15, 15, 16], k: 3, s: 2, pad: 'same' },
  ];
  for (const p of pools) {
    const input = tf.relu(tf.randomNormal(p.x));
    const output = tf.maxPool(input as tf.Tensor4D, p.k, p.s, p.pad);
    const dy = tf.randomNormal(output.shape);
    const attrs = { filterSize: p.k, strides: p.s, pad: p.pad };
    const fwd = await best(5, () => tf.tidy(() => { tf.maxPool(input as tf.Tensor4D, p.k, p.s, p.pad).dataSync(); }));
    const ours = await best(5, () => tf.tidy(() => { runKernel(tf.MaxPoolGrad, { dy, input, output }, attrs).dataSync(); }));
    const theirs = shippedPool === undefined ? NaN : await best(5, () => {
      const info = shippedPool.kernelFunc({ inputs: { dy, input, output }, backend: tf.backend(), attrs });
      tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo).dispose();
    });
    poolRows.push([p.x.join('×'), `${p.k}/${p.s}/${p.pad}`, ms(fwd), ms(ours), ms(theirs)]);
    tf.dispose([input, output, dy]);
  }
  console.log(`\n${table(poolRows)}`);
}

/** Runs `body` with the shipped kernels registered under `names` instead of ours. */
async function withShipped<T>(names: readonly string[], body: () => Promise<T>): Promise<T | null> {
  const swapped: tf.KernelConfig[] = [];
  for (const name of names) {
    const ours = tf.getKernel(name, 'wasm');
    const shipped = shippedWasmKernel(name);
    if (ours === undefined || shipped === undefined) return null;
    swapped.push(ours);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(shipped);
  }
  try {
    return await body();
  } finally {
    for (const ours of swapped) {
      tf.unregisterKernel(ours.kernelName, 'wasm');
      tf.registerKernel(ours);
    }
  }
}

/** Keras examples/vision/mnist_convnet.py. */
function mnistConvnet(): tf.LayersModel {
  const m = kerasMnistConvnet();
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function stepsPerSecond(steps: number, batch = 128): Promise<{ samplesPerSec: number; msPerStep: number }> {
  const model = mnistConvnet();
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform<tf.Rank.R1>([batch], 0, 10, 'int32'), 10);
  const msPerStep = await best(steps, async () => { await model.trainOnBatch(x, y); });
  model.dispose();
  tf.dispose([x, y]);
  return { samplesPerSec: (batch * 1000) / msPerStep, msPerStep };
}

async function profileStep(): Promise<void> {
  const model = mnistConvnet();
  const x = tf.randomUniform([128, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform<tf.Rank.R1>([128], 0, 10, 'int32'), 10);
  await model.trainOnBatch(x, y);
  const info = await tf.profile(async () => { await model.trainOnBatch(x, y); });
  const perKernel = new Map<string, number>();
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    perKernel.set(k.name, (perKernel.get(k.name) ?? 0) + t);
  }
  const total = [...perKernel.values()].reduce((a, b) => a + b, 0);
  const rows = [['kernel', 'ms', 'share']];
  for (const [name, t] of [...perKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    rows.push([name, ms(t), `${((100 * t) / total).toFixed(0)}%`]);
  }
  console.log(table(rows));
  model.dispose();
  tf.dispose([x, y]);
}

async function main(): Promise<void> {
  const steps = arg('steps', 5);
  const threads = arg('threads', 1);
  const { detail } = await loadWasmBackend({ threads });
  console.log(`${detail} (running ${getThreadsCount()} thread(s)); Node ${process.version}\n`);

  console.log('Conv kernels on wasm (best of 5):');
  await kernelTable();

  console.log('\nmnist_convnet training step, batch 128:');
  const rows: string[][] = [['backend', 'ms/step', 'samples/s']];
  const variants: [string, string[]][] = [
    ['wasm, all our kernels', []],
    ['wasm, shipped Conv2DBackpropInput', [tf.Conv2DBackpropInput]],
    ['wasm, shipped MaxPoolGrad', [tf.MaxPoolGrad]],
    ['wasm, shipped Sum and Mean', [tf.Sum, tf.Mean]],
    ['wasm, only our Conv2DBackpropFilter', [tf.Conv2DBackpropInput, tf.MaxPoolGrad, tf.Sum, tf.Mean]],
  ];
  for (const [label, names] of variants) {
    const r = await withShipped(names, () => stepsPerSecond(steps));
    if (r !== null) rows.push([label, ms(r.msPerStep), r.samplesPerSec.toFixed(0)]);
  }
  // The cpu backend as the trainer sets it up (with its faster JS filter gradient): the stock
  // cpu Conv2DBackpropFilter alone takes tens of seconds per step at batch 128.
  registerFastCpuKernels();
  await tf.setBackend('cpu');
  const cpu = await stepsPerSecond(1);
  rows.push(['cpu (trainer config, 1 step)', ms(cpu.msPerStep), cpu.samplesPerSec.toFixed(0)]);
  await tf.setBackend('wasm');
  console.log(table(rows));

  console.log('\nwasm step, time per kernel (tf.profile, top 10):');
  await profileStep();
}

void main();
