/**
 * The native training step (src/trainer/nativeStep.ts) on models that start with a layer without
 * weights (dropout, max pooling, flatten) or flatten a vector again (issue 11: such models the
 * language accepts must train): its weights after a few steps agree with tfjs's automatic
 * differentiation. In a child process (libtensorflow loads once per process); skipped where the
 * native backend is not installed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { LeadingReport } from './nativeStepLeadingCheck';

describe('native training step: leading weightless layers and a flatten of a vector', function () {
  let report: LeadingReport;
  before(function () {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'nativeStepLeadingCheck.ts')], { encoding: 'utf8', timeout: 120_000 });
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.ok(line, `no report; stderr:\n${r.stderr.slice(-2000)}`);
    report = JSON.parse(line) as LeadingReport;
    if (!report.available) this.skip();
  });

  it('gives the same weights and loss as tfjs (dropout first, max pooling first, flatten twice)', () => {
    const cases = report.cases ?? [];
    assert.deepEqual(cases.map((c) => c.name), ['dropout-first', 'maxpool-first', 'flatten-twice']);
    for (const c of cases) {
      assert.ok(c.relDiff < 1e-5, `${c.name}: relative weight difference ${c.relDiff}`);
      assert.ok(Math.abs(c.lossNative - c.lossTfjs) < 1e-4, `${c.name}: loss ${c.lossNative} vs ${c.lossTfjs}`);
    }
  });
});
