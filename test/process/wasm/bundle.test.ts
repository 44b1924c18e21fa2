/**
 * The wasm backend from an esbuild bundle, built like dist/trainer.js (node, cjs, `@tensorflow/*`
 * external), in a fresh Node process: the `.wasm` binaries must be found next to the installed
 * package, not next to the bundle, and a conv net must train there.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../..');

describe('wasm backend in a bundle', () => {
  // Inside dist/ (git-ignored) so that the externals resolve from the repository's node_modules,
  // as they do for dist/trainer.js.
  const dir = path.join(root, 'dist', `wasm-bundle-test-${process.pid}`);

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads its binaries and trains a conv net from dist/', async function () {
    this.timeout(120_000);
    mkdirSync(dir, { recursive: true });
    const entry = path.join(dir, 'entry.ts');
    const wasmModule = path.join(root, 'src/trainer/backends/wasm').split(path.sep).join('/');
    writeFileSync(entry, `
import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend } from '${wasmModule}';
async function main(): Promise<void> {
  const { detail } = await loadWasmBackend();
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  const h = await model.fit(tf.randomNormal([4, 6, 6, 1]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2), { epochs: 1, verbose: 0 });
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), detail, loss: h.history.loss }));
}
main().catch((e: unknown) => { console.error(e); process.exit(1); });
`);
    const outfile = path.join(dir, 'probe.js');
    await esbuild.build({
      entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      external: ['@tensorflow/*'], logLevel: 'silent',
    });
    const { stdout } = await promisify(execFile)(process.execPath, [outfile], { cwd: dir });
    const result = JSON.parse(stdout) as { backend: string; detail: string; loss: number[] };
    assert.equal(result.backend, 'wasm');
    assert.match(result.detail, /^tfjs-backend-wasm /);
    assert.ok(result.loss.length === 1 && Number.isFinite(result.loss[0]), `loss ${String(result.loss)}`);
  });
});
