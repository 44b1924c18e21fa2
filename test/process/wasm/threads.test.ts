/**
 * The threaded wasm build in Node (src/trainer/backends/wasm.ts): a probe bundled as the trainer
 * is (tfjs inside, minified, the `.wasm` binaries in wasm/ beside it) trains the same seeded steps
 * on 1 and 2 threads, and with the threaded build made impossible in two ways (no
 * SharedArrayBuffer; workers that fail to start because eval is off): each run says what it ran
 * on, gets bit-identical weights (XNNPACK splits work across threads, not sums), and Node exits by
 * itself, with the pool's worker threads still alive.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../..');

interface Probe { backend: string; detail: string; threads: number; loss: number[]; weights: string }

describe('wasm backend threads', function () {
  this.timeout(180_000);
  // Inside dist/ (git-ignored), beside the repository's node_modules like dist/trainer.js.
  const dir = path.join(root, 'dist', `wasm-threads-test-${process.pid}`);
  const probe = path.join(dir, 'probe.js');

  before(async () => {
    mkdirSync(path.join(dir, 'wasm'), { recursive: true });
    await esbuild.build({
      entryPoints: [path.join(__dirname, 'threadProbe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'cjs',
      target: 'node20', minify: true, mainFields: ['main', 'module'], external: ['@tensorflow/tfjs-node'], logLevel: 'silent',
      define: { 'process.env.CNN_LAB_BUNDLED': '"1"' },
    });
    const binaries = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    for (const f of readdirSync(binaries).filter((f) => f.endsWith('.wasm'))) copyFileSync(path.join(binaries, f), path.join(dir, 'wasm', f));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the probe; fails if Node does not exit by itself within 90 s. */
  async function run(threads: string, nodeFlags: string[] = []): Promise<Probe> {
    const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, probe], {
      cwd: dir, timeout: 90_000, killSignal: 'SIGKILL', env: { ...process.env, CNN_LAB_WASM_THREADS: threads },
    });
    const out = JSON.parse(stdout) as Probe;
    assert.equal(out.backend, 'wasm');
    assert.ok(out.loss.every(Number.isFinite), `loss ${String(out.loss)}`);
    return out;
  }

  it('trains on 1 and 2 threads to the same weights, and exits by itself', async function () {
    if (os.availableParallelism() < 2) this.skip();
    const one = await run('1');
    const two = await run('2');
    assert.equal(one.threads, 1);
    assert.match(one.detail, /, 1 thread \(SIMD build\), /);
    assert.equal(two.threads, 2, two.detail);
    assert.match(two.detail, /, 2 threads \(threaded SIMD build on worker_threads\), /);
    assert.equal(two.weights, one.weights);
  });

  it('falls back to one thread without SharedArrayBuffer, and says why', async () => {
    const out = await run('2', ['--no-harmony-sharedarraybuffer']);
    assert.equal(out.threads, 1);
    assert.match(out.detail, /1 thread \(SIMD build\) \(threads unavailable: no SharedArrayBuffer\)/);
  });

  it('falls back to one thread when the pthread workers fail to start, instead of crashing', async () => {
    // The workers evaluate the module source; with code generation from strings off they throw.
    const out = await run('2', ['--disallow-code-generation-from-strings']);
    assert.equal(out.threads, 1);
    assert.match(out.detail, /1 thread \(SIMD build\) \(the threaded build failed: .*Code generation from strings disallowed/);
    const reference = await run('1');
    assert.equal(out.weights, reference.weights);
  });
});
