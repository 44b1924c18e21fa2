/**
 * The native training step (src/trainer/nativeStep.ts) against tfjs's own training path: same
 * models, same seeds, same batches; the weights (batch norm's moving statistics included) after a
 * few steps must agree (its hand-written gradients are then right), on models that hold every
 * layer type and activation of the language, for every optimizer, with oneDNN's kernels and
 * without them. Runs in child processes, since libtensorflow is loaded once per process with
 * its oneDNN choice. Skipped where the native backend is not installed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { OPTIMIZERS } from '../../../src/shared/modelSpec';
import type { CheckReport } from './nativeStepCheck';

const CHECK = path.join(__dirname, 'nativeStepCheck.ts');

function check(onednn: 'on' | 'off'): CheckReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHECK, onednn], { encoding: 'utf8', timeout: 300_000 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.ok(line, `no report; stderr:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as CheckReport;
}

/** The models of nativeStepCheck.ts, in its order. */
const MODEL_NAMES = [
  'conv-pool-dense', 'strided-logits', 'padding-leaky-elu', 'elu-globalmax', 'spatial-dropout', 'batchnorm-gap',
  'activations-conv-dense', 'activation-layers', 'depthwise-separable', 'batchnorm-dense', 'relu-layers', 'softmax-then-dropout',
];

/** Variable names without tfjs's uniquifying `_N` suffix (two models in one process get different ones). */
const baseName = (n: string): string => n.replace(/_\d+(?=\/[a-z]+$)/, '');

for (const onednn of ['on', 'off'] as const) {
  describe(`native training step (oneDNN ${onednn})`, function () {
    let report: CheckReport;
    before(function () {
      report = check(onednn);
      if (!report.available) this.skip();
    });

    // TensorFlow's x86-64 wheels are built with oneDNN; other builds may lack its kernels.
    it(`${onednn === 'on' ? 'uses' : 'does not use'} oneDNN's pooling and convolution kernels${onednn === 'on' ? ' (x86-64)' : ''}`, function () {
      if (onednn === 'on' && process.arch !== 'x64') this.skip();
      assert.equal(report.mkl, onednn === 'on');
    });

    it('uses the fused conv (+ bias + ReLU) kernels: oneDNN\'s with it on, TensorFlow\'s with it off', function () {
      if (onednn === 'on' && process.arch !== 'x64') this.skip();
      assert.equal(report.fused, onednn === 'on' ? 'mkl' : 'stock');
    });

    it('gives the same weights, moving statistics, loss and accuracy as tfjs automatic differentiation on every layer type and activation, every optimizer', () => {
      const cases = report.cases ?? [];
      assert.deepEqual([...new Set(cases.map((c) => c.name))], MODEL_NAMES);
      assert.deepEqual([...new Set(cases.map((c) => c.optimizer))].sort(), [...OPTIMIZERS].sort());
      assert.equal(cases.length, MODEL_NAMES.length * OPTIMIZERS.length);
      for (const c of cases) {
        // Adam and Adamax divide by √v or max|g|, so float-order differences in tiny gradients show up more.
        const tolerance = c.optimizer === 'adam' || c.optimizer === 'adamax' ? 1e-3 : 1e-5;
        assert.ok(c.relDiff < tolerance, `${c.name}/${c.optimizer}: relative weight difference ${c.relDiff}`);
        if (c.movingRelDiff !== null) assert.ok(c.movingRelDiff < tolerance, `${c.name}/${c.optimizer}: moving statistics differ by ${c.movingRelDiff}`);
        assert.ok(Math.abs(c.lossNative - c.lossTfjs) < 1e-4, `${c.name}/${c.optimizer}: loss ${c.lossNative} vs ${c.lossTfjs}`);
        assert.equal(c.accNative, c.accTfjs, `${c.name}/${c.optimizer}: accuracy`);
      }
      for (const name of ['batchnorm-gap', 'batchnorm-dense']) {
        assert.ok(cases.filter((c) => c.name === name).every((c) => c.movingRelDiff !== null), `${name}: no moving statistics compared`);
      }
    });

    it('draws dropout masks from the seed: fresh per step, the same for the same seed', () => {
      assert.equal(report.dropoutDeterministic, true);
      assert.equal(report.dropoutFreshMasks, true);
    });

    it('leaks no tensors between steps', () => {
      const [after3, after8] = report.tensors ?? [-1, -2];
      assert.equal(after8, after3);
      for (const c of report.cases ?? []) assert.equal(c.tensors[1], c.tensors[0], `${c.name}/${c.optimizer}: tensors after steps 2 and 3`);
    });

    it('checkpoints its optimizer state under tfjs names and order, with the same values as tfjs Adam', () => {
      const [native, tfjs] = report.stateNames ?? [[], []];
      assert.deepEqual(native.map(baseName), tfjs.map(baseName));
      assert.ok(native.length > 1);
      assert.ok((report.stateRelDiff ?? 1) < 1e-3, `moments differ by ${report.stateRelDiff}`);
    });

    it('has a pass for every layer type of the language, so no model falls back to trainOnBatch', () => {
      assert.deepEqual(report.withoutPass, []);
      assert.deepEqual(report.unsupported, MODEL_NAMES.map(() => null));
    });
  });
}
