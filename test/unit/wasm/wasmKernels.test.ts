/**
 * The wasm gradient kernels against the cpu backend and against plain float64 loops written
 * here (independent of both backends), on seeded random inputs: strides 1 and 2, `same` and
 * `valid`, odd sizes, 1 and several channels, batch > 1; then the gradient of a whole small conv
 * net, wasm against cpu. AvgPool forward and AvgPoolGrad against average pooling by its definition
 * (float64 loop and central differences, ../trainer/avgPoolReference). The kernels that only make
 * the backend faster (BatchMatMul with transposes, Transpose, Identity and same-dtype Cast without
 * a copy) against cpu too, and each way a kernel can compute its result (the filter gradient as a
 * convolution and as one product, both MaxPoolGrad loops) on its own.
 */
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend, registerWasmGradientKernels, wasmThreadsRunning } from '../../../src/trainer/backends/wasm';
import { shippedWasmKernel } from '../../../src/trainer/backends/wasmKernels';
import { conv2dBackpropFilterWasm } from '../../../src/trainer/backends/wasmKernels/conv2dBackpropFilter';
import { maxPoolGradWasm } from '../../../src/trainer/backends/wasmKernels/maxPoolGrad';
import { handledPermutation, simplifyPermutation, transposeInto } from '../../../src/trainer/backends/wasmKernels/transpose';
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
  const dataBefore = tf.backend().numDataIds();
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) named[k] = tf.tensor(v.values, v.shape);
  const out = tf.engine().runKernel<tf.Tensor>(kernel, named, attrs as tf.NamedAttrMap);
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([out, ...Object.values(named)]);
  assert.equal(tf.memory().numTensors, before, `${kernel} on ${backend} leaked tensors`);
  assert.equal(tf.backend().numDataIds(), dataBefore, `${kernel} on ${backend} leaked backend buffers`);
  return result;
}

/** Calls a wasm kernel function directly (one way of computing a kernel) and reads its output. */
function runWasmFunc(
  func: (args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }) => tf.TensorInfo,
  inputs: Record<string, { values: Float32Array; shape: number[] }>, attrs: object,
): { values: Float32Array; shape: number[] } {
  const dataBefore = tf.backend().numDataIds();
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) named[k] = tf.tensor(v.values, v.shape);
  const info = func({ inputs: named, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
  const out = tf.engine().makeTensorFromTensorInfo(info);
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([out, ...Object.values(named)]);
  assert.equal(tf.backend().numDataIds(), dataBefore, 'leaked backend buffers');
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
  // Stride 1 at and above the channel count where the filter gradient switches from one product to the convolution.
  { x: [3, 8, 7, 4], f: [3, 2, 4, 5], s: 1, pad: 'valid' },
  { x: [2, 6, 9, 6], f: [2, 3, 6, 4], s: 1, pad: 'same' },
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

const OUR_KERNELS = [
  'AvgPoolGrad', 'BatchMatMul', 'Cast', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput', 'Identity', 'MaxPoolGrad', 'Mean', 'Sum', 'Transpose',
];

describe('loading', () => {
  it('runs on wasm and names what it added and how many threads run', async () => {
    const { detail } = await loadWasmBackend();
    assert.equal(tf.getBackend(), 'wasm');
    const threads = wasmThreadsRunning();
    assert.match(detail, /^tfjs-backend-wasm 4\.\d+\.\d+, SIMD (on|off), /);
    assert.ok(detail.includes(`, ${threads} thread${threads === 1 ? '' : 's'} (`), detail);
    // More than one CPU: the threaded build runs (test/process/wasm/threads.test.ts varies the count).
    if (os.availableParallelism() > 1) assert.match(detail, /\d+ threads \(threaded SIMD build on worker_threads\)/);
    assert.ok(detail.includes(`+${OUR_KERNELS.length} kernels (${OUR_KERNELS.join(', ')})`), detail);
  });

  it('registers idempotently, keeping the shipped kernels as fallbacks', () => {
    const first = registerWasmGradientKernels();
    const kernel = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
    const second = registerWasmGradientKernels();
    assert.deepEqual(first, OUR_KERNELS);
    assert.deepEqual(second, first);
    assert.equal(tf.getKernel(tf.Conv2DBackpropInput, 'wasm'), kernel);
    for (const name of [tf.Conv2DBackpropInput, tf.AvgPoolGrad, tf.MaxPoolGrad, tf.Sum, tf.Mean, tf.BatchMatMul, tf.Transpose, tf.Identity, tf.Cast]) {
      assert.notEqual(shippedWasmKernel(name), undefined, name);
    }
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
      // Each way of the wasm filter gradient on its own (the kernel picks one by stride and channels).
      await tf.setBackend('wasm');
      const stride1 = pairOf(c.s).every((v) => v === 1);
      for (const way of stride1 ? ['conv', 'product'] as const : ['conv'] as const) {
        const dw = runWasmFunc((a) => conv2dBackpropFilterWasm(a, way), { x: { values: x, shape: c.x }, dy: { values: dy, shape: dyShape } }, { ...common, filterShape: c.f });
        assert.deepEqual(dw.shape, c.f);
        assertClose(dw.values, ref.dw, `dW as ${way}`);
      }
    });
  });
});

const pairOf = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

describe('MaxPoolGrad', () => {
  const cases: { x: Shape4; k: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 9, 1], k: 2, s: 2, pad: 'valid' },
    { x: [3, 7, 7, 4], k: 3, s: 2, pad: 'same' },
    { x: [2, 6, 5, 2], k: 3, s: 1, pad: 'same' },
    { x: [1, 9, 9, 5], k: [3, 2], s: [2, 3], pad: 'valid' },
    // Windows that do not overlap, with border windows cut by `same` padding, gaps (stride > pool) and 3×3.
    { x: [2, 7, 9, 3], k: 2, s: 2, pad: 'same' },
    { x: [2, 10, 11, 2], k: 2, s: 3, pad: 'valid' },
    { x: [1, 9, 8, 4], k: 3, s: 3, pad: 'same' },
  ];
  cases.forEach((c, n) => {
    it(`matches cpu, ties, NaN, −∞ and overlaps included: x ${c.x.join('×')}, pool ${String(c.k)}, stride ${String(c.s)}, ${c.pad}`, async () => {
      // Integer-valued inputs: many windows hold their maximum twice. Some NaN and −∞, which the
      // rule never takes for a maximum (a window of nothing else gets no gradient).
      const x = randomArray(size(c.x), 7 + n, true);
      for (let i = 0; i < x.length; i += 17) x[i] = i % 34 === 0 ? NaN : -Infinity;
      const results: Float32Array[] = [];
      let dyValues: Float32Array = new Float32Array(0);
      let outShape: number[] = [];
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const input = tf.tensor4d(x, c.x);
        const output = tf.maxPool(input, c.k, c.s, c.pad);
        dyValues = randomArray(output.size, 70 + n);
        outShape = output.shape;
        const dy = tf.tensor(dyValues, output.shape);
        const dx = tf.engine().runKernel<tf.Tensor>(tf.MaxPoolGrad, { dy, input, output }, { filterSize: c.k, strides: c.s, pad: c.pad });
        results.push(dx.dataSync() as Float32Array);
        tf.dispose([input, output, dy, dx]);
        assert.equal(tf.memory().numTensors, before);
      }
      // Overlapping windows add in another order than cpu's: equal up to float rounding.
      assertClose(results[0] ?? [], results[1] ?? [], 'dx', 1e-6);
      // The general loop on the wasm heap too (the kernel takes the disjoint-window loop where it can).
      await tf.setBackend('wasm');
      const general = runWasmFunc((a) => maxPoolGradWasm(a, 'general'),
        { dy: { values: dyValues, shape: outShape }, input: { values: x, shape: c.x }, output: { values: new Float32Array(size(outShape)), shape: outShape } },
        { filterSize: c.k, strides: c.s, pad: c.pad });
      assertClose(general.values, results[1] ?? [], 'dx of the general loop', 1e-6);
    });
  });
});

describe('BatchMatMul', () => {
  // [a shape, b shape, transposeA, transposeB]: dense-layer backward products (either plan),
  // leading 1s, and cases the shipped kernel keeps (no transpose, batch above 1, vectors, tiny).
  const cases: [number[], number[], boolean, boolean][] = [
    [[24, 130], [24, 70], true, false],
    [[24, 70], [130, 70], false, true],
    [[70, 24], [24, 130], false, false],
    [[130, 24], [70, 130], true, true],
    [[1, 40, 90], [1, 40, 33], true, false],
    [[1, 33, 90], [1, 40, 90], false, true],
    [[90, 40], [1, 33, 40], false, true],
    [[3, 20, 30], [3, 20, 25], true, false],
    [[300, 40], [300, 1], true, false],
    [[5, 4], [6, 4], false, true],
  ];
  cases.forEach(([as, bs, ta, tb], n) => {
    it(`matches cpu: ${as.join('×')}${ta ? 'ᵀ' : ''} · ${bs.join('×')}${tb ? 'ᵀ' : ''}`, async () => {
      const a = { values: randomArray(size(as), 500 + n), shape: as };
      const b = { values: randomArray(size(bs), 600 + n), shape: bs };
      const attrs = { transposeA: ta, transposeB: tb };
      const onWasm = await runOn('wasm', tf.BatchMatMul, { a, b }, attrs);
      const onCpu = await runOn('cpu', tf.BatchMatMul, { a, b }, attrs);
      assert.deepEqual(onWasm.shape, onCpu.shape);
      assertClose(onWasm.values, onCpu.values, 'product', 1e-4);
    });
  });
});

describe('Transpose', () => {
  function permutations(r: number): number[][] {
    if (r === 0) return [[]];
    return permutations(r - 1).flatMap((p) => Array.from({ length: r }, (_, i) => [...p.slice(0, i), r - 1, ...p.slice(i)]));
  }

  /** out[j] = x[i] by the definition: output index (i_perm[0], …) reads input index i. */
  function reference(x: Float32Array, shape: number[], perm: number[]): Float32Array {
    const outShape = perm.map((a) => shape[a] as number);
    const out = new Float32Array(x.length);
    const idx = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < x.length; o++) {
      let src = 0;
      for (let k = 0; k < shape.length; k++) src = src * (shape[k] as number) + (idx[perm.indexOf(k)] as number);
      out[o] = x[src] as number;
      for (let k = outShape.length - 1; k >= 0; k--) {
        idx[k] = (idx[k] as number) + 1;
        if ((idx[k] as number) < (outShape[k] as number)) break;
        idx[k] = 0;
      }
    }
    return out;
  }

  it('simplifies permutations: size-1 axes dropped, axes that stay neighbours merged', () => {
    assert.deepEqual(simplifyPermutation([128, 13, 13, 32], [3, 1, 2, 0]), { shape: [128, 169, 32], perm: [2, 1, 0] });
    assert.deepEqual(simplifyPermutation([128, 26, 26, 32], [1, 2, 0, 3]), { shape: [128, 676, 32], perm: [1, 0, 2] });
    assert.deepEqual(simplifyPermutation([1, 40, 1, 7], [3, 2, 1, 0]), { shape: [40, 7], perm: [1, 0] });
    assert.deepEqual(simplifyPermutation([4, 5, 6], [0, 1, 2]), { shape: [120], perm: [0] });
  });

  it('every permutation it handles (up to three merged axes, the last one moving) matches the definition', () => {
    let handled = 0;
    for (const shape of [[7], [5, 6], [3, 4, 5], [2, 1, 3, 4], [3, 4, 2, 5], [1, 6, 1, 5]]) {
      const x = randomArray(size(shape), shape.length * 31);
      for (const perm of permutations(shape.length)) {
        const simple = simplifyPermutation(shape, perm);
        if (!handledPermutation(simple.perm)) continue;
        const out = new Float32Array(x.length);
        assert.ok(transposeInto(x, simple.shape, simple.perm, out), `${shape.join("×")} by [${perm.join(",")}]`);
        assert.deepEqual(out, reference(x, shape, perm), `${shape.join('×')} by [${perm.join(',')}]`);
        handled++;
      }
    }
    assert.ok(handled >= 10, `only ${handled} handled`);
    assert.ok(handledPermutation([1, 0]) && handledPermutation([0, 2, 1]) && handledPermutation([2, 1, 0]));
    // The kernel leaves permutations that keep the last axis to the shipped kernel (faster there).
    assert.ok(!handledPermutation([1, 0, 2]) && !handledPermutation([0]) && !handledPermutation([1, 3, 0, 2]));
  });

  it('the kernel matches cpu for tensors above its size threshold, also int32 and bool', async () => {
    for (const [shape, perm, dtype] of [
      [[128, 13, 13, 4], [3, 1, 2, 0], 'float32'], [[64, 9, 9, 8], [1, 2, 0, 3], 'float32'], [[90, 70], [1, 0], 'int32'],
      [[6, 40, 30], [0, 2, 1], 'bool'], [[5, 6, 7, 30], [3, 0, 2, 1], 'float32'], [[8, 1, 700], [2, 1, 0], 'int32'],
    ] as [number[], number[], 'float32' | 'int32' | 'bool'][]) {
      const values = randomArray(size(shape), 900 + shape.length, true).map((v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : v));
      const results: tf.TypedArray[] = [];
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const dataBefore = tf.backend().numDataIds();
        const x = tf.tensor(values, shape, dtype);
        const out = tf.transpose(x, perm);
        assert.deepEqual(out.shape, perm.map((a) => shape[a]));
        assert.equal(out.dtype, dtype);
        results.push(out.dataSync());
        tf.dispose([x, out]);
        assert.equal(tf.backend().numDataIds(), dataBefore, `transpose on ${backend} leaked`);
      }
      assert.deepEqual(results[0], results[1], `${shape.join('×')} by [${perm.join(',')}], ${dtype}`);
    }
  });
});

describe('Identity and same-dtype Cast', () => {
  it('share the input\'s buffer, which lives until the last tensor on it is disposed', async () => {
    await tf.setBackend('wasm');
    const dataBefore = tf.backend().numDataIds();
    const x = tf.tensor2d(randomArray(12, 3), [3, 4]);
    const values = x.dataSync().slice();
    const copies = [tf.clone(x), tf.cast(x, 'float32'), tf.engine().runKernel<tf.Tensor>(tf.Identity, { x }, {})];
    assert.equal(tf.backend().numDataIds(), dataBefore + 1, 'no new buffers');
    x.dispose();
    for (const c of copies) {
      assert.deepEqual(c.dataSync(), values);
      assert.deepEqual(c.shape, [3, 4]);
    }
    tf.dispose(copies);
    assert.equal(tf.backend().numDataIds(), dataBefore, 'the buffer is freed with its last tensor');
  });

  it('a cast that changes the dtype converts as on cpu (the shipped cast to bool did not)', async () => {
    const values = Float32Array.from([-2.7, -0.5, 0, 0.4, 1.6, 3, NaN, -0]);
    const out: string[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const x = tf.tensor1d(values);
      const i = tf.cast(x, 'int32');
      const b = tf.cast(x, 'bool');
      out.push(JSON.stringify([i.dtype, Array.from(i.dataSync()), b.dtype, Array.from(b.dataSync())]));
      tf.dispose([x, i, b]);
    }
    assert.equal(out[0], out[1]);
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
