/**
 * The wasm gradient kernels against the cpu backend and against plain float64 loops written
 * here (independent of both backends), on seeded random inputs: strides 1 and 2, `same` and
 * `valid`, odd sizes, 1 and several channels, batch > 1; then the gradient of a whole small conv
 * net, wasm against cpu. AvgPool forward and AvgPoolGrad against average pooling by its definition
 * (float64 loop and central differences, ../trainer/avgPoolReference).
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend, registerWasmGradientKernels } from '../../../src/trainer/backends/wasm';
import { shippedWasmKernel } from '../../../src/trainer/backends/wasmKernels';
import { mulberry32 } from '../../../src/trainer/data/random';
import { AVG_POOL_CASES, assertAvgPoolMatchesDefinition, type Shape4 } from '../trainer/avgPoolReference';

type Pad = 'same' | 'valid' | number;

/** Seeded (mulberry32) values in [-1, 1), or integers -2..2 when `quantise`, so failures reproduce. */
function randomArray(n: number, seed: number, quantise = false): Float32Array {
  const r = mulberry32(seed);
  // Quantised values make ties in pooling windows likely, which exercises the tie rule.
  return Float32Array.from({ length: n }, () => (quantise ? Math.round(r() * 4 - 2) : r() * 2 - 1));
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs one kernel on `backend` with inputs given as arrays; returns the output values. */
async function runOn(
  backend: 'wasm' | 'cpu', kernel: string, inputs: Record<string, { values: Float32Array; shape: number[] }>, attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) named[k] = tf.tensor(v.values, v.shape);
  const out = tf.engine().runKernel<tf.Tensor>(kernel, named, attrs as tf.NamedAttrMap);
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([out, ...Object.values(named)]);
  assert.equal(tf.memory().numTensors, before, `${kernel} on ${backend} leaked tensors`);
  return result;
}

/** Every element within atol + rtol·|ref|, atol scaled to the largest reference magnitude. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  const atol = 1e-5 * Math.max(scale, 1);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
    }
  }
}

interface ConvCase { x: Shape4; f: Shape4; s: number | [number, number]; pad: Pad }

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 1], f: [3, 3, 1, 4], s: 1, pad: 'valid' },
  { x: [2, 7, 7, 1], f: [3, 3, 1, 4], s: 1, pad: 'same' },
  { x: [3, 9, 8, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
  { x: [3, 9, 8, 3], f: [3, 3, 3, 5], s: 2, pad: 'valid' },
  { x: [2, 10, 11, 4], f: [5, 2, 4, 3], s: [2, 1], pad: 'same' },
  { x: [2, 11, 10, 2], f: [4, 4, 2, 6], s: 3, pad: 'valid' },
  { x: [4, 6, 6, 8], f: [1, 1, 8, 2], s: 2, pad: 'valid' },
  { x: [1, 5, 5, 3], f: [5, 5, 3, 2], s: 1, pad: 'same' },
  // Explicit padding wider than the kernel: the input gradient falls back to the shipped kernel.
  { x: [2, 5, 5, 2], f: [2, 2, 2, 3], s: 1, pad: 3 },
];

function convInfo(c: ConvCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad);
}

/** dW and dx by the definition of the convolution, in float64. */
function referenceConvGrads(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array): { dw: Float64Array; dx: Float64Array } {
  const info = convInfo(c);
  const [b, h, wd, ci] = c.x;
  const [kh, kw, , co] = c.f;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dw = new Float64Array(size(c.f));
  const dx = new Float64Array(size(c.x));
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++) {
        for (let i = 0; i < kh; i++) {
          const r = y * sh + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < kw; j++) {
            const q = z * sw + j - left;
            if (q < 0 || q >= wd) continue;
            for (let a = 0; a < ci; a++) {
              const xi = ((n * h + r) * wd + q) * ci + a;
              for (let o = 0; o < co; o++) {
                const g = dy[((n * oh + y) * ow + z) * co + o] as number;
                const wi = ((i * kw + j) * ci + a) * co + o;
                dw[wi] = (dw[wi] as number) + (x[xi] as number) * g;
                dx[xi] = (dx[xi] as number) + (w[wi] as number) * g;
              }
            }
          }
        }
      }
    }
  }
  return { dw, dx };
}

describe('wasm backend kernels', () => {
let previousBackend: string | undefined;

before(async function () {
  this.timeout(60_000);
  // Undefined when no backend was chosen yet in this process.
  previousBackend = tf.getBackend();
  await loadWasmBackend();
});

after(async () => {
  if (previousBackend !== undefined) await tf.setBackend(previousBackend);
});

describe('loading', () => {
  it('runs on wasm and names what it added', async () => {
    const { detail } = await loadWasmBackend();
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(detail, /^tfjs-backend-wasm 4\.\d+\.\d+, SIMD (on|off), \d+ threads?/);
    assert.match(detail, /\+6 kernels \(AvgPoolGrad, Conv2DBackpropFilter, Conv2DBackpropInput, MaxPoolGrad, Mean, Sum\)/);
  });

  it('registers idempotently, keeping the shipped kernels as fallbacks', () => {
    const first = registerWasmGradientKernels();
    const kernel = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
    const second = registerWasmGradientKernels();
    assert.deepEqual(first, ['AvgPoolGrad', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Mean', 'Sum']);
    assert.deepEqual(second, first);
    assert.equal(tf.getKernel(tf.Conv2DBackpropInput, 'wasm'), kernel);
    assert.notEqual(shippedWasmKernel(tf.Conv2DBackpropInput), undefined);
    for (const name of [tf.AvgPoolGrad, tf.MaxPoolGrad, tf.Sum, tf.Mean]) assert.notEqual(shippedWasmKernel(name), undefined);
    // wasm never shipped a filter gradient: nothing to fall back to.
    assert.equal(shippedWasmKernel(tf.Conv2DBackpropFilter), undefined);
  });
});

describe('conv gradient kernels', () => {
  CONV_CASES.forEach((c, k) => {
    const label = `x ${c.x.join('×')}, filter ${c.f.join('×')}, stride ${String(c.s)}, pad ${String(c.pad)}`;
    it(`Conv2DBackpropFilter and Conv2DBackpropInput match cpu and the definition: ${label}`, async () => {
      const info = convInfo(c);
      const dyShape = [c.x[0], info.outHeight, info.outWidth, c.f[3]];
      const x = randomArray(size(c.x), 11 + k);
      const w = randomArray(size(c.f), 101 + k);
      const dy = randomArray(size(dyShape), 1001 + k);
      const ref = referenceConvGrads(c, x, w, dy);
      const common = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
      for (const backend of ['wasm', 'cpu'] as const) {
        const dw = await runOn(backend, tf.Conv2DBackpropFilter, { x: { values: x, shape: c.x }, dy: { values: dy, shape: dyShape } }, { ...common, filterShape: c.f });
        assert.deepEqual(dw.shape, c.f);
        assertClose(dw.values, ref.dw, `dW on ${backend}`);
        const dx = await runOn(backend, tf.Conv2DBackpropInput, { dy: { values: dy, shape: dyShape }, filter: { values: w, shape: c.f } }, { ...common, inputShape: c.x });
        assert.deepEqual(dx.shape, c.x);
        assertClose(dx.values, ref.dx, `dx on ${backend}`);
      }
    });
  });
});

describe('MaxPoolGrad', () => {
  const cases: { x: Shape4; k: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 9, 1], k: 2, s: 2, pad: 'valid' },
    { x: [3, 7, 7, 4], k: 3, s: 2, pad: 'same' },
    { x: [2, 6, 5, 2], k: 3, s: 1, pad: 'same' },
    { x: [1, 9, 9, 5], k: [3, 2], s: [2, 3], pad: 'valid' },
  ];
  cases.forEach((c, n) => {
    it(`matches cpu, ties and overlaps included: x ${c.x.join('×')}, pool ${String(c.k)}, stride ${String(c.s)}, ${c.pad}`, async () => {
      // Integer-valued inputs: many windows hold their maximum twice.
      const x = randomArray(size(c.x), 7 + n, true);
      const results: Float32Array[] = [];
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const input = tf.tensor4d(x, c.x);
        const output = tf.maxPool(input, c.k, c.s, c.pad);
        const dy = tf.tensor(randomArray(output.size, 70 + n), output.shape);
        const dx = tf.engine().runKernel<tf.Tensor>(tf.MaxPoolGrad, { dy, input, output }, { filterSize: c.k, strides: c.s, pad: c.pad });
        results.push(dx.dataSync() as Float32Array);
        tf.dispose([input, output, dy, dx]);
        assert.equal(tf.memory().numTensors, before);
      }
      // Overlapping windows add in another order than cpu's: equal up to float rounding.
      assertClose(results[0] ?? [], results[1] ?? [], 'dx', 1e-6);
    });
  });
});

describe('AvgPool and AvgPoolGrad', () => {
  AVG_POOL_CASES.forEach((c, n) => {
    it(`match the definition: x ${c.x.join('×')}, pool ${c.k}, stride ${c.s}, ${c.pad}`, async () => {
      await tf.setBackend('wasm');
      // Float32 kernels against float64 references; XNNPACK's forward rounds a little more (seen: 4e-6).
      assertAvgPoolMatchesDefinition(c, n, 2e-5);
    });
  });
});

describe('Sum and Mean', () => {
  // Leading axes of a large enough tensor take the matrix-product path; the others the shipped kernel.
  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { shape: [8, 9, 7, 13], axis: [0, 1, 2], keepDims: false },
    { shape: [8, 9, 7, 13], axis: [2, 0, 1], keepDims: true },
    { shape: [64, 130], axis: 0, keepDims: false },
    { shape: [6, 50, 20], axis: [0, 1], keepDims: false },
    { shape: [8, 9, 7, 5], axis: [1, 2], keepDims: false },
    { shape: [8, 9, 7, 5], axis: -1, keepDims: true },
    { shape: [3, 4], axis: 0, keepDims: false },
  ];
  for (const kernel of [tf.Sum, tf.Mean]) {
    cases.forEach((c, n) => {
      it(`${kernel} matches cpu: shape ${c.shape.join('×')}, axis ${String(c.axis)}, keepDims ${String(c.keepDims)}`, async () => {
        const x = { values: randomArray(size(c.shape), 300 + n), shape: c.shape };
        const attrs = { axis: c.axis, keepDims: c.keepDims };
        const onWasm = await runOn('wasm', kernel, { x }, attrs);
        const onCpu = await runOn('cpu', kernel, { x }, attrs);
        assert.deepEqual(onWasm.shape, onCpu.shape);
        assertClose(onWasm.values, onCpu.values, kernel, 1e-5);
      });
    });
  }
});

describe('whole-net gradient', () => {
  /** Every layer type with a gradient of its own; dropout is left out (random masks differ per backend). */
  function smallNet(): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' }),
        tf.layers.batchNormalization({}),
        tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'valid', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }),
        tf.layers.activation({ activation: 'swish' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
  }

  it('matches the cpu backend for every trainable weight', async () => {
    const xs = randomArray(4 * 9 * 9 * 3, 5);
    const labels = [0, 2, 1, 2];
    let weights: { values: Float32Array; shape: number[] }[] = [];
    const grads: Map<string, Float32Array>[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const model = smallNet();
      // Same weights on both backends: taken from the first model.
      if (weights.length === 0) weights = model.getWeights().map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
      else {
        const ws = weights.map((w) => tf.tensor(w.values, w.shape));
        model.setWeights(ws);
        tf.dispose(ws);
      }
      const { value, grads: g } = tf.tidy(() => {
        const x = tf.tensor4d(xs, [4, 9, 9, 3]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
        const loss = (): tf.Scalar => tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor).mean();
        return tf.variableGrads(loss, model.trainableWeights.map((w) => w.read() as tf.Variable));
      });
      const named = new Map<string, Float32Array>();
      // Variable names carry a per-model suffix; the order of trainable weights is the same.
      model.trainableWeights.forEach((w, i) => {
        const t = g[(w.read() as tf.Variable).name];
        assert.ok(t !== undefined, `no gradient for ${w.name}`);
        named.set(String(i), t.dataSync() as Float32Array);
      });
      assert.ok(Number.isFinite(value.dataSync()[0]));
      tf.dispose([value, ...Object.values(g)]);
      model.dispose();
      grads.push(named);
      assert.equal(tf.memory().numTensors, before, `leaked tensors on ${backend}`);
    }
    const [onWasm, onCpu] = grads;
    assert.ok(onWasm !== undefined && onCpu !== undefined);
    assert.equal(onWasm.size, 8); // 3 kernels + 3 biases + gamma + beta
    for (const [name, expected] of onCpu) {
      const actual = onWasm.get(name);
      assert.ok(actual !== undefined);
      let norm = 0;
      for (const v of expected) norm += v * v;
      assert.ok(norm > 0, `gradient ${name} is all zeros: the comparison would prove nothing`);
      assertClose(actual, expected, `gradient of trainable weight ${name}`, 1e-3);
    }
  });
});
});
