/**
 * Which TensorFlow.js backends this installation can run, judged from the files on disk: the
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
export const ENGLISH: Translator = {
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

async function packageVersion(dir: string): Promise<string | null> {
  try {
    const pkg = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/** tfjs-node counts as available when its N-API addon has been built (lib/napi-v*\/tfjs_binding.node). */
async function probeTensorflow(nodeModules: string, l10n: Translator): Promise<BackendAvailability> {
  const pkg = path.join(nodeModules, '@tensorflow', 'tfjs-node');
  const version = await packageVersion(pkg);
  if (version === null) return { name: 'tensorflow', available: false, detail: l10n.t('{0} is not installed', '@tensorflow/tfjs-node') };
  let napiDirs: string[] = [];
  try {
    napiDirs = (await fsp.readdir(path.join(pkg, 'lib'))).filter((d) => /^napi-v\d+$/.test(d));
  } catch { /* no lib folder: addon never built */ }
  for (const d of napiDirs) {
    if (await exists(path.join(pkg, 'lib', d, 'tfjs_binding.node'))) {
      return { name: 'tensorflow', available: true, detail: `tfjs-node ${version} (${d})` };
    }
  }
  return { name: 'tensorflow', available: false, detail: l10n.t('{0} is installed but its native addon was not built', `tfjs-node ${version}`) };
}

async function probeWasm(nodeModules: string, l10n: Translator): Promise<BackendAvailability> {
  const pkg = path.join(nodeModules, '@tensorflow', 'tfjs-backend-wasm');
  const version = await packageVersion(pkg);
  if (version === null) return { name: 'wasm', available: false, detail: l10n.t('{0} is not installed', '@tensorflow/tfjs-backend-wasm') };
  const ok = await exists(path.join(pkg, 'dist', 'tfjs-backend-wasm.wasm'));
  return { name: 'wasm', available: ok, detail: ok ? `tfjs-backend-wasm ${version}` : l10n.t('{0} lacks its .wasm binary', `tfjs-backend-wasm ${version}`) };
}

async function probeCpu(nodeModules: string, l10n: Translator): Promise<BackendAvailability> {
  const version = await packageVersion(path.join(nodeModules, '@tensorflow', 'tfjs'));
  return version === null
    ? { name: 'cpu', available: false, detail: l10n.t('{0} is not installed', '@tensorflow/tfjs') }
    : { name: 'cpu', available: true, detail: l10n.t('{0} (plain JavaScript, slowest)', `tfjs ${version}`) };
}

/** Availability of every backend, fastest first, for the extension installed at `extensionPath`. */
export async function probeBackends(extensionPath: string, l10n: Translator = ENGLISH): Promise<readonly BackendAvailability[]> {
  const nodeModules = path.join(extensionPath, 'node_modules');
  return Promise.all([probeTensorflow(nodeModules, l10n), probeWasm(nodeModules, l10n), probeCpu(nodeModules, l10n)]);
}
