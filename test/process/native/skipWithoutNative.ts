/**
 * The `before` hook of the native backend's tests: skips them, visibly, where libtensorflow is not
 * provisioned, and fails instead on CI or with CNN_LAB_REQUIRE_NATIVE=1 (which provision it first,
 * so a skip there would hide a broken set-up).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';

const root = path.resolve(__dirname, '..', '..', '..');

export function skipWithoutNative(this: Mocha.Context): void {
  const probe = tensorflowAvailable(root);
  if (probe.available) return;
  if (process.env.CI || process.env.CNN_LAB_REQUIRE_NATIVE === '1') assert.fail(`native backend required but not available: ${probe.reason ?? ''}`);
  console.log(`      skipped: native backend not provisioned (${probe.reason ?? ''})`);
  this.skip();
}
