/**
 * The `wasm` backend (tfjs-backend-wasm: XNNPACK compiled to WebAssembly, SIMD when the runtime
 * has it), made able to train: `registerWasmGradientKernels` adds the gradient kernel it lacks
 * and replaces the ones that dominated a training step (see ./wasmKernels). Slower than native
 * libtensorflow, far faster than the pure-JS `cpu` backend, and it needs no native module.
 *
 * Threads: tfjs 4.22 turns its threaded build off in Node (WASM_HAS_MULTITHREAD_SUPPORT is
 * hard-wired false there, tensorflow/tfjs#3830). Forcing it on fails: its pthread workers are
 * created from `blob:` URLs, which Node's Worker rejects. With those URLs redirected to files the
 * workers start, but the thread pool still comes up with one thread, so it buys nothing and adds
 * fragile patching; we run the single-threaded SIMD build, the fastest that works.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from './wasmKernels';

export { registerWasmGradientKernels };

export interface WasmLoadOptions {
  /** Requested threads; above 1 only noted in the detail, as Node gets one (see above). */
  readonly threads?: number;
}

/**
 * Folder of the `.wasm` binaries: `dist/wasm/` beside the bundled trainer (esbuild.mjs copies them
 * there; the VSIX has no node_modules), the package's own `dist/` when running from src under tsx.
 */
export function wasmBinaryFolder(): string {
  if (process.env.CNN_LAB_BUNDLED === '1') return path.join(__dirname, 'wasm') + path.sep;
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

let pathsSet = false;

/**
 * Registers the extra kernels, points the backend at its binaries, activates it and waits for
 * it. Throws when the backend cannot initialise (the caller falls back to `cpu`).
 */
export async function loadWasmBackend(opts: WasmLoadOptions = {}): Promise<{ detail: string; versions: Record<string, string> }> {
  const kernels = registerWasmGradientKernels();
  if (!pathsSet) {
    // Must precede the first initialisation; harmless after a successful one.
    wasmBackend.setWasmPaths(wasmBinaryFolder());
    pathsSet = true;
  }
  const threadNote = (opts.threads ?? 1) > 1 ? ' (multi-threading is not available in Node)' : '';
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'wasm') throw new Error('tf.setBackend("wasm") failed');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const running = wasmBackend.getThreadsCount();
  const detail = `tfjs-backend-wasm ${wasmBackend.version_wasm}, SIMD ${simd ? 'on' : 'off'}, `
    + `${running} thread${running === 1 ? '' : 's'}${threadNote}, +${kernels.length} kernels (${kernels.join(', ')})`;
  return { detail, versions: { 'tfjs-backend-wasm': wasmBackend.version_wasm } };
}
