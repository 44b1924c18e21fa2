/**
 * Backend choice: `tensorflow` (tfjs-node, native libtensorflow), `wasm` (tfjs-backend-wasm with
 * our gradient kernels), `cpu` (pure JS). `auto` takes the fastest that loads, in that order, and
 * keeps the reason each faster one was skipped; the caller always reports what actually runs.
 *
 * The loaders are imported lazily: loading tfjs-node pulls in a 100 MB native library, and a
 * process that runs on `cpu` should never touch it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TypedModelSpec } from '../../core/index';
import type { BackendChoice, BackendName } from '../../shared/trainerProtocol';
import { CnnLabError } from '../../shared/errors';
import { registerFastCpuKernels } from './cpuKernels';

export interface SelectedBackend {
  readonly requested: BackendChoice;
  readonly name: BackendName;
  readonly detail: string;
  readonly fallbackReasons: readonly string[];
  /** Versions of the backend's own libraries, for `summary.json`. */
  readonly versions: Readonly<Record<string, string>>;
}

interface Loaded { readonly detail: string; readonly versions: Readonly<Record<string, string>> }

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new CnnLabError('E_BACKEND_UNAVAILABLE', `The ${name} backend registered but could not be initialised.`);
  }
}

async function loadTensorflow(spec: TypedModelSpec): Promise<Loaded> {
  const m = await import('./tensorflow');
  // oneDNN must be decided before libtensorflow loads: it is read once, from the environment.
  const hazard = m.onednnHazard(spec);
  const loaded = await m.loadTensorflowBackend({ disableOnednn: hazard !== null, ...(hazard !== null ? { onednnOffReason: hazard } : {}) });
  await activate('tensorflow');
  return loaded;
}

async function loadWasm(): Promise<Loaded> {
  const m = await import('./wasm');
  const loaded = await m.loadWasmBackend();
  await activate('wasm');
  return loaded;
}

async function loadCpu(): Promise<Loaded> {
  registerFastCpuKernels();
  await activate('cpu');
  const version = tf.version['tfjs-backend-cpu'];
  return {
    detail: `tfjs-backend-cpu ${version} (pure JavaScript; CNN Lab kernels: fast Conv2DBackpropFilter and MaxPoolGrad, corrected AvgPoolGrad)`,
    versions: { 'tfjs-backend-cpu': version },
  };
}

async function load(name: BackendName, spec: TypedModelSpec): Promise<Loaded> {
  switch (name) {
    case 'tensorflow': return loadTensorflow(spec);
    case 'wasm': return loadWasm();
    case 'cpu': return loadCpu();
  }
}

/**
 * Loads and activates the requested backend. An explicit choice that fails throws
 * E_BACKEND_UNAVAILABLE (the user asked for it; silently running 20× slower would mislead);
 * `auto` falls back and records why.
 */
export async function selectBackend(requested: BackendChoice, spec: TypedModelSpec): Promise<SelectedBackend> {
  if (requested !== 'auto') {
    try {
      return { requested, name: requested, ...await load(requested, spec), fallbackReasons: [] };
    } catch (err) {
      if (err instanceof CnnLabError) throw err;
      throw new CnnLabError('E_BACKEND_UNAVAILABLE', `The ${requested} backend could not be loaded: ${reason(err)}`,
        'Choose another backend (cnnLab.training.backend), or "auto" to use the fastest one that loads.');
    }
  }
  const fallbackReasons: string[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      return { requested, name, ...await load(name, spec), fallbackReasons };
    } catch (err) {
      fallbackReasons.push(`${name}: ${reason(err)}`);
    }
  }
  throw new CnnLabError('E_BACKEND_UNAVAILABLE', `No TensorFlow.js backend could be loaded (${fallbackReasons.join('; ')}).`,
    'Reinstall the extension; the pure-JavaScript cpu backend should always load.');
}
