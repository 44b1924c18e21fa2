/**
 * The `wasm` backend (tfjs-backend-wasm: XNNPACK compiled to WebAssembly, SIMD when the runtime
 * has it), made able to train: `registerWasmGradientKernels` adds the gradient kernels it lacks
 * and replaces the ones that dominated a training step (see ./wasmKernels). Slower than native
 * libtensorflow, far faster than the pure-JS `cpu` backend, and it needs no native module.
 *
 * Threads. tfjs 4.22 ships a threaded SIMD build (Emscripten pthreads: one `worker_threads`
 * Worker per thread, sharing the wasm memory) but never uses it in Node, for three reasons, each
 * worked around here (docs/benchmarks.md, "wasm backend", has what it buys):
 *   1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired false when `IS_NODE` (tensorflow/tfjs#3830).
 *      Set true here, after checking what it needs: SharedArrayBuffer and shared wasm memory with
 *      atomics (`worker_threads` is part of Node).
 *   2. The pthread workers cannot start: tfjs hands Emscripten a `blob:` URL for the worker script,
 *      which Node's `Worker` rejects, and a `Blob` holding `factory.toString()` as the module
 *      source, which (a) Node workers cannot import and (b) is not self-contained once bundled (it
 *      names the bundler's `require$$0`…). While the backend initialises, `Worker` (which
 *      Emscripten takes from the global) is a subclass that starts tfjs's own worker script from
 *      source (`eval`), with the factory's source read from tfjs's unbundled module file.
 *   3. Even then the pool had one thread: tfjs's C++ caps the requested count at
 *      `emscripten_num_logical_cores() / 2` (it assumes two hyper-threads per core), which is
 *      `os.cpus().length / 2` in Node, 1 on a 2-CPU machine. `os.cpus` reports every CPU twice
 *      for the moment the module's static constructors read it.
 * Emscripten starts 8 workers up front; those the pool does not use are ended after start-up, and
 * the pool's own are unref'd (a running thread's worker would otherwise keep Node from exiting).
 * If any of this fails (or a worker fails to start), the single-threaded SIMD build loads
 * instead, and the detail says why. `CNN_LAB_WASM_THREADS=1` skips the threaded build.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as wt from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from './wasmKernels';

export { registerWasmGradientKernels };

export interface WasmLoadOptions {
  /**
   * XNNPACK threads (the calling thread included). Default: `CNN_LAB_WASM_THREADS`, else the
   * number of CPUs. At most 8 (the workers Emscripten starts) and the number of CPUs (tfjs's cap,
   * see 3. above). 1 loads the single-threaded build.
   */
  readonly threads?: number;
}

/** Most threads the threaded build can run: Emscripten's pre-started worker pool. */
const MAX_THREADS = 8;

/**
 * Folder of the `.wasm` binaries: `dist/wasm/` beside the bundled trainer (esbuild.mjs copies them
 * there; the VSIX has no node_modules), the package's own `dist/` when running from src under tsx.
 */
function wasmBinaryFolder(): string {
  if (process.env.CNN_LAB_BUNDLED === '1') return path.join(__dirname, 'wasm') + path.sep;
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

/** The thread count `loadWasmBackend` uses when none is given. */
function defaultWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.CNN_LAB_WASM_THREADS);
  const n = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, Math.min(MAX_THREADS, n));
}

/** Why threads cannot work in this runtime, or null when they can. */
function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer';
  try {
    // A module with a shared memory and one atomic load (wasm-feature-detect's threads test).
    const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    const ok = wasm.validate(new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5,
      4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11,
    ]));
    if (!ok) return 'no WebAssembly threads (shared memory, atomics)';
  } catch (err) {
    return `no WebAssembly threads (${err instanceof Error ? err.message : String(err)})`;
  }
  return null;
}

/**
 * tfjs's pthread worker script, patched to take the module factory from `workerData.factory`
 * instead of importing the `Blob` it is sent (see 2. above). The worker script ends by setting
 * `self.onmessage`; the patch wraps it and answers `load` after defining the factory itself.
 */
function workerSource(): string {
  // The module exports one string: the script, with real newlines that tfjs escapes too. Loaded
  // here, when threads are wanted (as is the factory below).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped CommonJS file of tfjs's
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  const patch = `
;(function () {
  var handle = self.onmessage;
  var importScripts = global.importScripts;
  global.importScripts = function (f) { if (f !== '') importScripts(f); };
  self.onmessage = function (e) {
    var d = e.data;
    if (d && d.cmd === 'load' && typeof d.urlOrBlob !== 'string') {
      (0, eval)('var WasmBackendModuleThreadedSimd = ' + require('worker_threads').workerData.factory);
      handle({ data: Object.assign({}, d, { urlOrBlob: '' }) });
      return;
    }
    handle(e);
  };
})();`;
  return wasmWorkerContents.replace(/\n/g, '\\n') + patch;
}

/** The threaded module factory's source, as tfjs itself turns it into the workers' Blob. */
function factorySource(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped CommonJS file of tfjs's
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as ((...a: unknown[]) => unknown) | { default: (...a: unknown[]) => unknown };
  return (typeof factory === 'function' ? factory : factory.default).toString();
}

interface PThreadPool {
  unusedWorkers: { terminate(): unknown }[];
  runningWorkers: { unref(): void }[];
}

/**
 * Runs `init` (the backend's first initialisation) with the patches of 2. and 3. in place, and
 * takes them out again whatever happens.
 */
async function withThreadPatches<T>(init: () => Promise<T>): Promise<T> {
  const source = workerSource();
  const factory = factorySource();
  let state: 'starting' | 'started' | 'failed' = 'starting';
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => { fail = reject; });
  const created: wt.Worker[] = [];
  class PthreadWorker extends wt.Worker {
    private handler: ((e: unknown) => void) | undefined;
    constructor(url: string | URL, options?: wt.WorkerOptions) {
      if (String(url).startsWith('blob:')) super(source, { eval: true, workerData: { factory } });
      else super(url, options);
      created.push(this);
    }

    // Emscripten's handler rethrows a worker's error on the main thread, which ends the process
    // (its own uncaughtException handler rethrows too). While the backend starts, an error fails
    // the start instead (the single-threaded build loads), and the workers of a failed start stay
    // quiet; once started, Emscripten's handler runs.
    set onerror(handler: ((e: unknown) => void) | undefined) { this.handler = handler; }
    get onerror(): (e: unknown) => void {
      return (e) => {
        if (state === 'starting') fail(e instanceof Error ? e : new Error(String(e)));
        else if (state === 'started') this.handler?.(e);
      };
    }
  }
  const g = globalThis as { Worker?: unknown };
  const hadWorker = Object.getOwnPropertyDescriptor(g, 'Worker');
  // Emscripten assigns `global.Worker = require("worker_threads").Worker` on start: keep ours.
  Object.defineProperty(g, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => undefined });
  // The module object Emscripten's `require("os")` gets (an ES namespace of it is read-only).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mutable CommonJS object, see above
  const osModule = require('node:os') as { cpus: typeof os.cpus };
  const cpus = osModule.cpus;
  osModule.cpus = () => { const c = cpus.call(osModule); return [...c, ...c]; };
  try {
    const result = await Promise.race([init(), failed]);
    state = 'started';
    return result;
  } catch (err) {
    state = 'failed';
    for (const w of created) void w.terminate();
    throw err;
  } finally {
    osModule.cpus = cpus;
    if (hadWorker) Object.defineProperty(g, 'Worker', hadWorker);
    else delete g.Worker;
  }
}

/**
 * Ends the pre-started workers the thread pool does not use (each holds a wasm instance), and
 * unrefs the pool's own: Emscripten refs a worker while its thread runs, and the pool's threads
 * run (waiting for work) until the process ends, which would keep Node from ever exiting.
 */
function settleWorkers(): void {
  const pool = (tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } }).wasm?.PThread;
  if (!pool) return;
  for (const w of pool.unusedWorkers.splice(0)) void w.terminate();
  for (const w of pool.runningWorkers) w.unref();
}

const INIT_TIMEOUT_MS = 60_000;

async function activate(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`initialisation took over ${INIT_TIMEOUT_MS / 1000} s`)), INIT_TIMEOUT_MS);
    // An abandoned start (see withThreadPatches) must not keep the process alive.
    timer.unref();
  });
  try {
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]);
    await tf.ready();
    return ok && tf.getBackend() === 'wasm';
  } finally {
    clearTimeout(timer);
  }
}

let pathsSet = false;
/** How the first load went: the running thread count, or why threads were not used. */
let threadState: { readonly threads: number; readonly threadedBuild: boolean; readonly note: string } | null = null;

/**
 * Registers the extra kernels, points the backend at its binaries, activates it (threaded when
 * `threads` > 1 and the runtime allows) and waits for it. Throws when the backend cannot
 * initialise at all (the caller falls back to `cpu`). The thread count is fixed by the first
 * call in a process.
 */
export async function loadWasmBackend(opts: WasmLoadOptions = {}): Promise<{ detail: string; versions: Record<string, string> }> {
  const kernels = registerWasmGradientKernels();
  if (!pathsSet) {
    // Must precede the first initialisation; harmless after a successful one.
    wasmBackend.setWasmPaths(wasmBinaryFolder());
    pathsSet = true;
  }
  if (threadState === null) {
    const wanted = Math.max(1, Math.min(MAX_THREADS, Math.floor(opts.threads ?? defaultWasmThreads())));
    const why = wanted > 1 ? threadsUnavailable() : null;
    let note = why ? ` (threads unavailable: ${why})` : '';
    let ok = false;
    let threadedBuild = false;
    if (wanted > 1 && !why) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasmBackend.setThreadsCount(wanted);
      try {
        ok = await withThreadPatches(activate);
        if (!ok) note = ' (the threaded build did not initialise)';
      } catch (err) {
        note = ` (the threaded build failed: ${err instanceof Error ? err.message : String(err)})`;
      }
      if (ok) settleWorkers();
      threadedBuild = ok;
    }
    if (!ok) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasmBackend.setThreadsCount(1);
      ok = await activate();
    }
    if (!ok) throw new Error('tf.setBackend("wasm") failed');
    threadState = { threads: wasmBackend.getThreadsCount(), threadedBuild, note };
  } else if (!await activate()) {
    throw new Error('tf.setBackend("wasm") failed');
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const running = threadState.threads;
  const build = threadState.threadedBuild ? 'threaded SIMD build on worker_threads' : simd ? 'SIMD build' : 'plain build';
  const detail = `tfjs-backend-wasm ${wasmBackend.version_wasm}, SIMD ${simd ? 'on' : 'off'}, `
    + `${running} thread${running === 1 ? '' : 's'} (${build})${threadState.note}, +${kernels.length} kernels (${kernels.join(', ')})`;
  return { detail, versions: { 'tfjs-backend-wasm': wasmBackend.version_wasm } };
}

/** Threads the loaded backend runs (1 before it loads). */
export function wasmThreadsRunning(): number {
  return threadState?.threads ?? 1;
}
