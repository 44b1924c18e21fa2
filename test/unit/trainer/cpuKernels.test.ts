/**
 * The cpu backend's replacement gradient kernels: the faster ones against the stock
 * tfjs-backend-cpu kernels, the corrected AvgPoolGrad (and the stock forward AvgPool) against
 * average pooling computed by its definition in float64.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { originalCpuKernels, registerFastCpuKernels } from '../../../src/trainer/backends/cpuKernels';
import { AVG_POOL_CASES, assertAvgPoolMatchesDefinition } from './avgPoolReference';

type Pad = 'valid' | 'same';

function runKernel(kernel: NonNullable<ReturnType<typeof originalCpuKernels>['conv2dBackpropFilter']>,
  inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const backend = tf.backend() as unknown as { readSync(id: object): Float32Array; disposeData(id: object): void };
  const info = kernel({ inputs, backend: tf.backend(), attrs } as unknown as Parameters<typeof kernel>[0]) as tf.TensorInfo;
  const values = Float32Array.from(backend.readSync(info.dataId));
  backend.disposeData(info.dataId);
  return values;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('fast cpu kernels', () => {
  before(async () => {
    registerFastCpuKernels();
    await tf.setBackend('cpu');
  });

  const cases: { x: [number, number, number, number]; f: [number, number]; s: [number, number]; pad: Pad; out: number }[] = [
    { x: [2, 9, 9, 1], f: [3, 3], s: [1, 1], pad: 'valid', out: 4 },
    { x: [3, 8, 7, 3], f: [3, 3], s: [2, 2], pad: 'same', out: 5 },
    { x: [2, 11, 10, 2], f: [5, 4], s: [2, 3], pad: 'valid', out: 3 },
    { x: [1, 6, 6, 4], f: [1, 1], s: [1, 1], pad: 'same', out: 2 },
    { x: [2, 7, 7, 3], f: [4, 4], s: [3, 3], pad: 'same', out: 6 },
  ];

  for (const c of cases) {
    it(`Conv2DBackpropFilter matches the stock kernel: x ${c.x.join('×')}, filter ${c.f.join('×')}, strides ${c.s.join(',')}, ${c.pad}`, () => {
      const stock = originalCpuKernels().conv2dBackpropFilter;
      assert.ok(stock);
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 11);
      const filterShape: [number, number, number, number] = [c.f[0], c.f[1], c.x[3], c.out];
      const yShape = tf.conv2d(x as tf.Tensor4D, tf.zeros<tf.Rank.R4>(filterShape), c.s, c.pad).shape;
      const dy = tf.randomNormal(yShape, 0, 1, 'float32', 12);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape };
      const fast = runKernel(tf.getKernel('Conv2DBackpropFilter', 'cpu').kernelFunc, { x, dy }, attrs);
      const ref = runKernel(stock, { x, dy }, attrs);
      assert.ok(maxAbsDiff(fast, ref) < 1e-4, `max diff ${maxAbsDiff(fast, ref)}`);
      // And the gradient through tf.grad uses it (non-trivial values).
      assert.ok(fast.some((v) => Math.abs(v) > 0.1));
      tf.dispose([x, dy]);
    });

    it(`MaxPoolGrad matches the stock kernel: x ${c.x.join('×')}, pool ${c.f.join('×')}, strides ${c.s.join(',')}, ${c.pad}`, () => {
      const stock = originalCpuKernels().maxPoolGrad;
      assert.ok(stock);
      // Rounded values create ties, which both kernels must break the same way.
      const input = tf.round(tf.randomNormal(c.x, 0, 2, 'float32', 13));
      const output = tf.maxPool(input as tf.Tensor4D, c.f, c.s, c.pad);
      const dy = tf.randomNormal(output.shape, 0, 1, 'float32', 14);
      const attrs = { filterSize: c.f, strides: c.s, pad: c.pad };
      const fast = runKernel(tf.getKernel('MaxPoolGrad', 'cpu').kernelFunc, { dy, input, output }, attrs);
      const ref = runKernel(stock, { dy, input, output }, attrs);
      assert.ok(maxAbsDiff(fast, ref) < 1e-5, `max diff ${maxAbsDiff(fast, ref)}`);
      tf.dispose([input, output, dy]);
    });
  }

  AVG_POOL_CASES.forEach((c, n) => {
    it(`AvgPool and its gradient match the definition: x ${c.x.join('×')}, pool ${c.k}, stride ${c.s}, ${c.pad}`, () => {
      // Float32 kernels against float64 references: rounding is near 1e-7.
      assertAvgPoolMatchesDefinition(c, n, 1e-5);
    });
  });

  it('AvgPoolGrad is registered in place of the stock kernel, which is kept', () => {
    assert.ok(originalCpuKernels().avgPoolGrad);
    assert.notEqual(tf.getKernel('AvgPoolGrad', 'cpu')?.kernelFunc, originalCpuKernels().avgPoolGrad);
  });
});
