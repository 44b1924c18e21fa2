/**
 * Gradient self-check of the native TensorFlow backend against the `cpu` backend (with the
 * trainer's replacement kernels), with oneDNN on and off, each in its own process (libtensorflow
 * reads TF_ENABLE_ONEDNN_OPTS once, at load), and the oneDNN policy the trainer applies per model.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needsOnednnOff, tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';
import { skipWithoutNative } from './skipWithoutNative';
import type { LayerSpec, TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { LAYER_TYPES } from '../../../src/core';
import { ACTIVATIONS } from '../../../src/shared/modelSpec';
import { trainerLayerOf } from '../../../src/trainer/layers/index';
import { gradCases, passCases } from './gradCases';

const root = path.resolve(__dirname, '..', '..', '..');
const child = path.join(__dirname, 'gradcheck.child.ts');
/** Native vs cpu agree to float32 rounding (seen: below 5e-7); central differences to about 2e-5. */
const TOLERANCE = { cpu: 1e-5, numeric: 1e-3 } as const;

interface CaseLine { name: string; reference: 'cpu' | 'numeric'; forward: number; grads: number[]; cpuGrads: number[] }

interface ChildResult { detail: string; cases: CaseLine[]; numTensors: number }
const results = new Map<'on' | 'off', ChildResult>();

/** Runs the child once per mode; later tests reuse its output. */
function runChild(mode: 'on' | 'off'): ChildResult {
  const done = results.get(mode);
  if (done) return done;
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', child, mode], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  // A signal or abort here is the native kernels corrupting memory, not a test-harness problem.
  assert.equal(r.signal, null, `gradcheck child (oneDNN ${mode}) died by ${String(r.signal)}:\n${r.stderr.slice(-2000)}`);
  assert.equal(r.status, 0, `gradcheck child (oneDNN ${mode}) exited ${String(r.status)}:\n${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const head = lines[0] as { detail: string; backend: string };
  assert.equal(head.backend, 'tensorflow');
  const tail = lines[lines.length - 1] as { done?: boolean; numTensors: number };
  assert.equal(tail.done, true, 'child did not finish all cases');
  const result = { detail: head.detail, cases: lines.slice(1, -1) as unknown as CaseLine[], numTensors: tail.numTensors };
  results.set(mode, result);
  return result;
}

function assertClose(line: CaseLine, mode: string): void {
  assert.ok(line.forward < TOLERANCE.cpu, `${line.name} (oneDNN ${mode}): forward differs from cpu by ${line.forward}`);
  line.grads.forEach((d, i) => {
    assert.ok(d < TOLERANCE[line.reference], `${line.name} (oneDNN ${mode}): gradient of input ${i} differs from ${line.reference} by ${d}`);
  });
}

describe('native tensorflow backend: gradients match the cpu backend', function () {
  this.timeout(300_000);

  before(skipWithoutNative);

  for (const mode of ['on', 'off'] as const) {
    it(`every case the trainer would run with oneDNN ${mode} agrees with the reference`, () => {
      const { detail, cases, numTensors } = runChild(mode);
      assert.match(detail, new RegExp(`^libtensorflow 2\\.\\d+\\.\\d+, oneDNN ${mode}`));
      const expected = gradCases.filter((c) => mode === 'off' || !needsOnednnOff(c.model)).map((c) => c.name);
      assert.deepEqual(cases.map((c) => c.name), expected);
      for (const line of cases) assertClose(line, mode);
      assert.equal(numTensors, 0, 'tensors leaked in the child');
    });
  }

  it('the cpu backend as the trainer runs it agrees with central differences where stock tfjs-backend-cpu is wrong', () => {
    // Covers the corrected AvgPoolGrad of src/trainer/backends/cpuKernels.ts on the same inputs.
    const { cases } = runChild('off');
    const numeric = cases.filter((c) => c.reference === 'numeric');
    assert.ok(numeric.length > 0, 'no case uses the numeric reference');
    for (const line of numeric) {
      line.cpuGrads.forEach((d, i) => {
        assert.ok(d < TOLERANCE.numeric, `${line.name}: cpu gradient of input ${i} differs from central differences by ${d}`);
      });
    }
  });
});

describe('direct training step: every layer\'s pass matches tfjs automatic differentiation', function () {
  this.timeout(300_000);
  const passChild = path.join(__dirname, 'passcheck.child.ts');
  /** Output, gradients and weights after the step agree to float32 rounding (seen: below 2e-6). */
  const PASS_TOLERANCE = 1e-5;
  interface PassLine { name: string; forward: number; inputGrad: number; weightGrads: number[]; weightsAfter: number[] }

  before(skipWithoutNative);

  for (const mode of ['on', 'off'] as const) {
    it(`every layer type, activation, padding and stride (oneDNN ${mode}, with the kernels the step picks)`, () => {
      const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', passChild, mode], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      assert.equal(r.signal, null, `passcheck child (oneDNN ${mode}) died by ${String(r.signal)}:\n${r.stderr.slice(-2000)}`);
      assert.equal(r.status, 0, `passcheck child (oneDNN ${mode}) exited ${String(r.status)}:\n${r.stderr.slice(-2000)}`);
      const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const head = lines[0] as { detail: string; fused: string | null };
      assert.match(head.detail, new RegExp(`oneDNN ${mode}`));
      if (process.arch === 'x64') assert.equal(head.fused, mode === 'on' ? 'mkl' : 'stock', 'the fused conv kernels run (patched binding)');
      const tail = lines[lines.length - 1] as { done?: boolean; leaked: number };
      assert.equal(tail.done, true, 'child did not finish all cases');
      assert.equal(tail.leaked, 0, 'tensors leaked in the child');
      const cases = lines.slice(1, -1) as unknown as PassLine[];
      const expected = passCases.filter((c) => mode === 'off' || !trainerLayerOf(c.layer).onednnHazard?.(c.layer, c.input.slice(1))).map((c) => c.name);
      assert.deepEqual(cases.map((c) => c.name), expected);
      for (const c of cases) {
        assert.ok(c.forward < PASS_TOLERANCE, `${c.name} (oneDNN ${mode}): output differs by ${c.forward}`);
        assert.ok(c.inputGrad < PASS_TOLERANCE, `${c.name} (oneDNN ${mode}): input gradient differs by ${c.inputGrad}`);
        c.weightGrads.forEach((d, i) => assert.ok(d < PASS_TOLERANCE, `${c.name} (oneDNN ${mode}): gradient of weight ${i} differs by ${d}`));
        c.weightsAfter.forEach((d, i) => assert.ok(d < PASS_TOLERANCE, `${c.name} (oneDNN ${mode}): weight ${i} after the step differs by ${d}`));
      }
    });
  }

  it('covers every layer type of the language but the random dropouts, and every activation on conv2d and dense', () => {
    const types = new Set(passCases.map((c) => c.layer.type));
    assert.deepEqual(LAYER_TYPES.filter((t) => !types.has(t)).sort(), ['dropout', 'spatialdropout2d']);
    for (const type of ['conv2d', 'dense', 'activation'] as const) {
      const acts = new Set(passCases.flatMap((c) => (c.layer.type === type ? [c.layer.activation] : [])));
      assert.deepEqual(ACTIVATIONS.filter((a) => !acts.has(a)), [], `${type}: activations without a case`);
    }
  });
});

describe('needsOnednnOff (per-model oneDNN choice)', () => {
  const conv = (filters: number, k = 3, s = 1): LayerSpec =>
    ({ type: 'conv2d', filters, kernel: [k, k], strides: [s, s], padding: 'same', activation: 'relu', useBias: true });
  const pool: LayerSpec = { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' };
  const head: LayerSpec[] = [{ type: 'flatten' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 10, activation: 'softmax', useBias: true }];
  const spec = (channels: number, layers: LayerSpec[]): TypedModelSpec => ({
    name: 't', dataset: { kind: 'builtin', name: channels === 1 ? 'mnist' : 'shapes' }, grayscale: false,
    inputShape: [28, 28, channels], numClasses: 10, layers: [...layers, ...head], train: DEFAULT_TRAIN,
  });

  it('keeps oneDNN on for the MNIST and RGB course models', () => {
    assert.equal(needsOnednnOff(spec(1, [conv(32), pool, conv(64), pool])), false);
    assert.equal(needsOnednnOff(spec(3, [conv(1), pool, conv(16)])), false, '3→1 is not a 1→1 convolution');
    assert.equal(needsOnednnOff(spec(1, [conv(8), conv(1)])), false, '8→1 is not a 1→1 convolution');
  });

  it('turns oneDNN off for a 1→1 convolution anywhere in the convolutional part', () => {
    assert.equal(needsOnednnOff(spec(1, [conv(1), conv(8)])), true);
    assert.equal(needsOnednnOff(spec(3, [conv(1), pool, conv(1)])), true, 'second conv is 1→1 after a pool');
  });

  it('turns oneDNN off for a 1×1 kernel with a stride', () => {
    assert.equal(needsOnednnOff(spec(3, [conv(16, 1, 2)])), true);
    assert.equal(needsOnednnOff(spec(3, [conv(16, 1, 1), conv(16, 3, 2)])), false);
  });

  it('judges depthwise and separable convolutions by the same rules, on the channels that reach them', () => {
    const dw = (m: number, k = 3, s = 1): LayerSpec => ({ type: 'depthwiseconv2d', kernel: [k, k], strides: [s, s], padding: 'same', depthMultiplier: m, activation: 'relu', useBias: true });
    const sep = (filters: number, m = 1): LayerSpec => ({ type: 'separableconv2d', filters, kernel: [3, 3], strides: [1, 1], padding: 'same', depthMultiplier: m, activation: 'relu', useBias: true });
    assert.equal(needsOnednnOff(spec(3, [dw(1), dw(2), sep(16)])), false);
    assert.equal(needsOnednnOff(spec(1, [dw(2), sep(1)])), false, '1 channel × 2 is not a 1→1 step');
    assert.equal(needsOnednnOff(spec(1, [dw(1)])), true, 'depthwise over 1 channel, multiplier 1');
    assert.equal(needsOnednnOff(spec(3, [conv(1), pool, dw(1)])), true, 'the channel count after conv and pooling');
    assert.equal(needsOnednnOff(spec(3, [dw(1, 1, 2)])), true, '1×1 depthwise kernel with a stride');
    assert.equal(needsOnednnOff(spec(1, [sep(1)])), true, 'depthwise and pointwise 1→1');
    assert.equal(needsOnednnOff(spec(3, [conv(1), sep(1, 2)])), false, 'pointwise 2→1');
  });
});

describe('tensorflowAvailable (cheap probe)', () => {
  it('finds the provisioned addon from the project', function () {
    const probe = tensorflowAvailable(root);
    if (!probe.available && !process.env.CI) this.skip();
    assert.equal(probe.available, true, probe.reason);
    assert.match(probe.addon ?? '', /tfjs_binding\.node$/);
  });

  it('says how to provision when the package cannot be resolved', () => {
    const probe = tensorflowAvailable(path.parse(root).root);
    assert.equal(probe.available, false);
    assert.match(probe.reason ?? '', /npm run provision:native/);
  });
});
