/**
 * The native TensorFlow backend: `@tensorflow/tfjs-node` over libtensorflow.
 *
 * tfjs-node's JavaScript is bundled into dist/trainer.js (one tfjs-core for every backend); its
 * N-API addon and libtensorflow are not: an installed extension sets them up in its global storage
 * on first use (src/host/native) and names the addon in `CNN_LAB_NATIVE_ADDON`, a checkout builds
 * them into node_modules (`npm run provision:native`). Either may be missing or broken on a
 * machine, so nothing here loads the addon at module load: `tensorflowAvailable()` only looks at
 * files, and `loadTensorflowBackend()` requires tfjs-node at call time.
 *
 * libtensorflow reads its oneDNN switch (`TF_ENABLE_ONEDNN_OPTS`) and thread counts once, when
 * the library loads; the trainer is a process per run, so it decides them per model before the
 * first require. The oneDNN choice is a correctness choice: see `needsOnednnOff`.
 */
import * as fs from 'node:fs';
import { inferLayer, type TypedModelSpec } from '../../core/index';
import { CnnLabError } from '../../shared/errors';
import { trainerLayerOf } from '../layers/index';
import { addonFromEnvironment, addonInNodeModules, libDirOf } from './nativeAddon';

const PACKAGE = '@tensorflow/tfjs-node';
/** What to do about a missing native backend: an installed extension sets it up itself, a checkout provisions it. */
function provisionHint(): string {
  return addonFromEnvironment() !== undefined || addonInNodeModules().packageDir === undefined
    ? 'Run "CNN Lab: Set Up Native Backend" (it downloads libtensorflow from PyPI once), or choose the wasm backend.'
    : 'Run `npm run provision:native` in the CNN Lab folder (it builds the native backend offline from the TensorFlow wheel), or choose the wasm backend.';
}

/**
 * Why a model must run with oneDNN off, or null: libtensorflow 2.21's oneDNN kernels are unsafe
 * for some layers on some inputs (each layer module says which: `onednnHazard`, e.g. conv2d's 1→1
 * convolution and strided 1×1 kernel). oneDNN off is correct everywhere at a fraction of the speed,
 * so only models with such a layer pay for it. Each layer is judged on its input shape as the core
 * infers it.
 */
export function onednnHazard(spec: TypedModelSpec): string | null {
  let shape: readonly number[] = spec.inputShape;
  for (const layer of spec.layers) {
    const why = trainerLayerOf(layer).onednnHazard?.(layer, shape);
    if (why) return why;
    const r = inferLayer(layer, shape);
    if (!r.ok) return null;
    shape = r.value.outputShape;
  }
  return null;
}

/** Whether a model must run with oneDNN off (see `onednnHazard`). */
export function needsOnednnOff(spec: TypedModelSpec): boolean {
  return onednnHazard(spec) !== null;
}

/** What `tensorflowAvailable` found, for the Select Backend command and error messages. */
export interface TensorflowProbe {
  readonly available: boolean;
  /** Why not, in the user's words, ending with what to do. */
  readonly reason?: string;
  /** The addon file that would be loaded, when found. */
  readonly addon?: string;
}

/**
 * Cheap probe without loading libtensorflow: the addon for this runtime (Node or Electron) exists,
 * and libtensorflow sits where the addon's RUNPATH finds it. The addon is the one the host set up
 * (`CNN_LAB_NATIVE_ADDON`, an installed extension) or the one npm built in node_modules (a
 * checkout); `fromDir` is where node_modules resolution starts (default: this module's folder).
 */
export function tensorflowAvailable(fromDir?: string): TensorflowProbe {
  const fromEnv = addonFromEnvironment();
  let addon = fromEnv;
  if (addon === undefined) {
    const found = addonInNodeModules(fromDir ?? __dirname);
    if (found.addon === undefined) {
      return { available: false, reason: `${found.reason ?? `${PACKAGE} is not installed`}. ${provisionHint()}` };
    }
    addon = found.addon;
    if (process.env.CNN_LAB_TFJS_NODE_BUNDLED !== '1' && found.packageDir !== undefined) {
      // Unbundled (tests under tsx): tfjs-node is required from node_modules with its own dependencies.
      for (const dep of ['@mapbox/node-pre-gyp', '@tensorflow/tfjs']) {
        try {
          require.resolve(`${dep}/package.json`, { paths: [found.packageDir] });
        } catch {
          return { available: false, reason: `${PACKAGE} cannot find its dependency ${dep}. ${provisionHint()}`, addon };
        }
      }
    }
  }
  if (!fs.existsSync(addon)) {
    return {
      available: false, addon,
      reason: fromEnv !== undefined
        ? `the native addon set up for CNN Lab is missing (${addon}). Run "CNN Lab: Set Up Native Backend".`
        : `${PACKAGE} is installed but its native addon was never built (${addon} is missing). ${provisionHint()}`,
    };
  }
  if (process.platform !== 'win32') {
    const libDir = libDirOf(addon);
    const libs = fs.existsSync(libDir) ? fs.readdirSync(libDir).filter((f) => f.startsWith('libtensorflow')) : [];
    if (libs.length === 0) {
      return { available: false, reason: `libtensorflow is missing from ${libDir}. ${provisionHint()}`, addon };
    }
  }
  return { available: true, addon };
}

export interface TensorflowLoadOptions {
  /** Set `TF_ENABLE_ONEDNN_OPTS=0` (see `needsOnednnOff`). */
  readonly disableOnednn: boolean;
  /** Why (`onednnHazard`), for the error when the library is already loaded with oneDNN on. */
  readonly onednnOffReason?: string;
  /**
   * libtensorflow's thread pools (`TF_NUM_INTRAOP_THREADS`, `TF_NUM_INTEROP_THREADS`); by default
   * TensorFlow sizes both from the CPU count. Ignored when the variables are already set.
   */
  readonly threads?: { readonly intraOp?: number; readonly interOp?: number };
}

/** The part of tfjs-node's backend object we read; declared here since the package is optional. */
interface NodeBackendLike {
  readonly binding?: { readonly TF_Version?: unknown };
}
interface TfjsNodeModule {
  readonly version?: Readonly<Record<string, string>>;
  readonly findBackend?: (name: string) => unknown;
  readonly getBackend?: () => string;
}

/** The oneDNN state libtensorflow was loaded with in this process, once loaded. */
let loadedOnednn: boolean | undefined;

function inRequireCache(): boolean {
  if (process.env.CNN_LAB_TFJS_NODE_BUNDLED === '1') return false; // bundled: only this module loads it
  try {
    return require.cache[require.resolve(PACKAGE)] !== undefined;
  } catch {
    return false;
  }
}

function onednnFromEnv(): boolean {
  // TensorFlow treats unset as on for x86 CPU builds (2.9 and later); only an explicit 0/false is off.
  const v = (process.env.TF_ENABLE_ONEDNN_OPTS ?? '').trim().toLowerCase();
  return !(v === '0' || v === 'false');
}

/**
 * Loads tfjs-node with the oneDNN choice applied and returns a one-line description for the
 * backend report, e.g. `libtensorflow 2.21.0, oneDNN on`. Does not switch the active backend
 * (the caller does, with `tf.setBackend('tensorflow')`). Throws E_BACKEND_UNAVAILABLE when the
 * addon is missing or does not load, and when libtensorflow is already loaded with oneDNN on but
 * this model needs it off (a process loads the library once).
 */
export async function loadTensorflowBackend(opts: TensorflowLoadOptions): Promise<{ detail: string; versions: Record<string, string> }> {
  const alreadyLoaded = loadedOnednn !== undefined || inRequireCache();
  if (alreadyLoaded) {
    // Loaded earlier, maybe by other code: the environment it saw is the best record we have.
    loadedOnednn ??= onednnFromEnv();
  } else {
    const probe = tensorflowAvailable();
    if (!probe.available) throw new CnnLabError('E_BACKEND_UNAVAILABLE', `The native TensorFlow backend is not available: ${probe.reason ?? ''}`, provisionHint());
    // A user's explicit TF_ENABLE_ONEDNN_OPTS=0 is kept: off is always correct, only slower.
    process.env.TF_ENABLE_ONEDNN_OPTS = opts.disableOnednn || !onednnFromEnv() ? '0' : '1';
    // 2 hides TensorFlow's INFO and WARNING lines from the run log; a user's own setting wins.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    if (opts.threads?.intraOp !== undefined) process.env.TF_NUM_INTRAOP_THREADS ??= String(opts.threads.intraOp);
    if (opts.threads?.interOp !== undefined) process.env.TF_NUM_INTEROP_THREADS ??= String(opts.threads.interOp);
  }
  let tfn: TfjsNodeModule;
  try {
    // Required at call time: an import would load the native addon at module load. The literal
    // lets esbuild bundle tfjs-node into the trainer (sharing its tfjs-core); see esbuild.mjs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    tfn = require('@tensorflow/tfjs-node') as TfjsNodeModule;
  } catch (err) {
    throw new CnnLabError('E_BACKEND_UNAVAILABLE',
      `@tensorflow/tfjs-node failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, provisionHint());
  }
  if (!alreadyLoaded) loadedOnednn = onednnFromEnv();
  if (opts.disableOnednn && loadedOnednn) {
    throw new CnnLabError('E_BACKEND_UNAVAILABLE',
      `libtensorflow is already loaded in this process with oneDNN on, but this model needs it off (${opts.onednnOffReason ?? 'a layer its kernels get wrong'}).`,
      'Start a new training run; each run loads the library afresh.');
  }
  const backend = tfn.findBackend?.('tensorflow') as NodeBackendLike | undefined;
  const tfVersion = typeof backend?.binding?.TF_Version === 'string' ? backend.binding.TF_Version : 'unknown version';
  const parts = [`libtensorflow ${tfVersion}`, `oneDNN ${loadedOnednn ? 'on' : 'off'}`];
  const intra = process.env.TF_NUM_INTRAOP_THREADS;
  const inter = process.env.TF_NUM_INTEROP_THREADS;
  if (intra !== undefined || inter !== undefined) parts.push(`threads intra ${intra ?? 'auto'}/inter ${inter ?? 'auto'}`);
  if (process.versions.electron !== undefined) parts.push(`Electron ${process.versions.electron}`);
  const nodeVersion = tfn.version?.['tfjs-node'];
  return { detail: parts.join(', '), versions: { ...(nodeVersion !== undefined ? { 'tfjs-node': nodeVersion } : {}), libtensorflow: tfVersion } };
}
