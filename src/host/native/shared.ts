/**
 * One native set-up per machine, whichever of the extension and the CLI made it.
 *
 * - The checkout's `npm install` (scripts/provision-native.mjs) stages libtensorflow in the shared
 *   cache `~/.cache/cnn-lab/native`; the extension's set-up links those files instead of
 *   downloading them (`SetupOptions.sharedCache`).
 * - The extension's set-up lives in its global storage, whose path only VS Code knows; after a
 *   set-up it leaves a pointer in the shared cache (`extension-install.json`), and a CLI whose
 *   own checkout has no native addon (the `dist/cli.js` an installed VSIX carries, say) trains on
 *   that install through it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NATIVE_TARGET, nativeState, type NativeInstall } from './setup';

/** The pointer file in the shared cache. */
export const SHARED_POINTER = 'extension-install.json';
/** The variable the trainer reads the addon's path from (src/trainer/backends/nativeAddon.ts). */
export const NATIVE_ADDON_ENV = 'CNN_LAB_NATIVE_ADDON';

/** `$CNN_LAB_CACHE/native`, else `$XDG_CACHE_HOME/cnn-lab/native`, else `~/.cache/cnn-lab/native`. */
export function sharedNativeDir(env: NodeJS.ProcessEnv = process.env): string {
  const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v !== '' ? v : undefined);
  const base = nonEmpty(env.CNN_LAB_CACHE) ?? path.join(nonEmpty(env.XDG_CACHE_HOME) ?? path.join(os.homedir(), '.cache'), 'cnn-lab');
  return path.join(base, 'native');
}

interface Pointer { readonly home: string; readonly addon: string; readonly tensorflow: string; readonly at: string }

function isPointer(v: unknown): v is Pointer {
  const p = v as Partial<Pointer> | null;
  return typeof p === 'object' && p !== null && typeof p.home === 'string' && typeof p.addon === 'string'
    && typeof p.tensorflow === 'string' && typeof p.at === 'string';
}

/** Records an install (made under `home`) in the shared cache; best effort, atomically. */
export async function recordSharedInstall(home: string, install: NativeInstall, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = sharedNativeDir(env);
  const pointer: Pointer = { home, addon: install.addon, tensorflow: install.tensorflow, at: new Date().toISOString() };
  await fs.promises.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${SHARED_POINTER}.${process.pid}.part`);
  await fs.promises.writeFile(tmp, `${JSON.stringify(pointer, null, 2)}\n`);
  await fs.promises.rename(tmp, path.join(dir, SHARED_POINTER));
}

/** The install the pointer names, when it is still there and ready (its files as recorded). */
export async function sharedInstall(env: NodeJS.ProcessEnv = process.env): Promise<NativeInstall | undefined> {
  let pointer: unknown;
  try {
    pointer = JSON.parse(await fs.promises.readFile(path.join(sharedNativeDir(env), SHARED_POINTER), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isPointer(pointer)) return undefined;
  const state = await nativeState(pointer.home);
  return state.status === 'ready' && path.resolve(state.install.addon) === path.resolve(pointer.addon) ? state.install : undefined;
}

/** The trainer's environment naming an install's addon. */
export function nativeEnvOf(install: Pick<NativeInstall, 'addon'>): NodeJS.ProcessEnv {
  return { [NATIVE_ADDON_ENV]: install.addon };
}

/**
 * The addon `npm install` built in the checkout at `root` (node_modules/@tensorflow/tfjs-node), with
 * libtensorflow beside it; undefined in an installed extension, which has no node_modules.
 */
export function checkoutAddon(root: string): string | undefined {
  const pkg = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  const addon = path.join(pkg, 'lib', `napi-v${NATIVE_TARGET.napi}`, 'tfjs_binding.node');
  const libs = path.join(pkg, 'deps', 'lib');
  return fs.existsSync(addon) && fs.existsSync(libs) && fs.readdirSync(libs).some((f) => f.startsWith('libtensorflow')) ? addon : undefined;
}

/**
 * The environment that points a trainer at a native backend it would not find itself: nothing when
 * one is already named, or when the trainer's own checkout built tfjs-node (it loads that one);
 * else the shared install, if any.
 */
export async function nativeEnvForTrainer(trainerPath: string, env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  if ((env[NATIVE_ADDON_ENV] ?? '') !== '') return {};
  if (checkoutAddon(path.join(path.dirname(trainerPath), '..')) !== undefined) return {};
  const install = await sharedInstall(env);
  return install !== undefined ? nativeEnvOf(install) : {};
}
