/**
 * Which TensorFlow.js backends this installation can run, judged from the files on disk and the
 * native set-up's state: the
 * extension host never loads tfjs itself (that would put native code and seconds of start-up on
 * its event loop). The trainer still makes the final call and reports fallbacks. No vscode import:
 * the extension hands in `vscode.l10n` for the details, tests the English default.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../shared/trainerProtocol';

/** `vscode.l10n`'s shape: a message with `{0}`-style placeholders. */
export interface Translator { t(message: string, ...args: (string | number)[]): string }

/** English: the message itself with its placeholders filled in. */
const ENGLISH: Translator = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m)),
};

export interface BackendAvailability {
  readonly name: BackendName;
  readonly available: boolean;
  /** What was found or what is missing, in the user's words. */
  readonly detail: string;
}

async function exists(p: string): Promise<boolean> {
  try { await fsp.access(p); return true; } catch { return false; }
}

/**
 * The native backend's state as the host knows it (src/extension/nativeBackend.ts computes it):
 * a checkout's own tfjs-node build, an installed extension's set-up in global storage, or why not.
 */
export type NativeStatus =
  | { readonly kind: 'checkout'; readonly addon: string }
  | { readonly kind: 'ready'; readonly install: { readonly tensorflow: string; readonly dir: string; readonly setUpAt: string } }
  | { readonly kind: 'notSetUp'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly at: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** Ready or not; "not set up" still counts as usable for `auto`, which sets it up on first training. */
function tensorflowFrom(native: NativeStatus, l10n: Translator): BackendAvailability {
  switch (native.kind) {
    case 'checkout': return { name: 'tensorflow', available: true, detail: l10n.t('ready: tfjs-node built in this checkout ({0})', native.addon) };
    case 'ready': return { name: 'tensorflow', available: true, detail: l10n.t('ready: libtensorflow {0}, set up {1}', native.install.tensorflow, native.install.setUpAt.slice(0, 10)) };
    case 'notSetUp': return { name: 'tensorflow', available: false, detail: l10n.t('not set up yet: set up on the first training (downloads libtensorflow from PyPI once)') };
    case 'failed': return { name: 'tensorflow', available: false, detail: l10n.t('set-up failed: {0}', native.reason) };
    case 'unsupported': return { name: 'tensorflow', available: false, detail: l10n.t('not available: {0}', native.reason) };
  }
}

/** The wasm binaries the bundled trainer loads, beside it in dist/wasm (esbuild.mjs copies them). */
async function probeWasm(extensionPath: string, l10n: Translator): Promise<BackendAvailability> {
  const ok = await exists(path.join(extensionPath, 'dist', 'wasm', 'tfjs-backend-wasm-simd.wasm'))
    && await exists(path.join(extensionPath, 'dist', 'wasm', 'tfjs-backend-wasm.wasm'));
  return { name: 'wasm', available: ok, detail: ok ? l10n.t('ready: tfjs-backend-wasm (WebAssembly with SIMD)') : l10n.t('{0} lacks its .wasm binaries', 'dist/wasm') };
}

/** The pure-JavaScript backend is inside the trainer bundle. */
async function probeCpu(extensionPath: string, l10n: Translator): Promise<BackendAvailability> {
  const ok = await exists(path.join(extensionPath, 'dist', 'trainer.js'));
  return { name: 'cpu', available: ok, detail: ok ? l10n.t('ready: plain JavaScript, slowest') : l10n.t('{0} is missing', 'dist/trainer.js') };
}

/** Availability of every backend, fastest first, for the extension installed at `extensionPath`. */
export async function probeBackends(extensionPath: string, native: NativeStatus, l10n: Translator = ENGLISH): Promise<readonly BackendAvailability[]> {
  return [tensorflowFrom(native, l10n), await probeWasm(extensionPath, l10n), await probeCpu(extensionPath, l10n)];
}
