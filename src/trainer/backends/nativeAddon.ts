/**
 * Where the tfjs-node N-API addon (`tfjs_binding.node`) is, for both ways the trainer runs:
 * - an installed extension (the VSIX): the host set the native backend up in its global storage and
 *   passes the addon's path in `CNN_LAB_NATIVE_ADDON` (libtensorflow sits beside it, in
 *   `../../deps/lib`, where the addon's RUNPATH looks);
 * - a source checkout: `npm install` built the addon into node_modules/@tensorflow/tfjs-node.
 *
 * This module also stands in for `@mapbox/node-pre-gyp` inside the bundled tfjs-node (esbuild.mjs
 * redirects that import here): tfjs-node asks it to `find()` its addon from its package.json, which
 * does not exist once tfjs-node is bundled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const NATIVE_ADDON_ENV = 'CNN_LAB_NATIVE_ADDON';
const PACKAGE = '@tensorflow/tfjs-node';

/** The addon the host chose, when it chose one. */
export function addonFromEnvironment(): string | undefined {
  const v = process.env[NATIVE_ADDON_ENV]?.trim();
  return v ? path.resolve(v) : undefined;
}

/** The addon npm built in a checkout's node_modules (the highest N-API version this runtime supports). */
export function addonInNodeModules(fromDir: string = __dirname): { addon?: string; packageDir?: string; reason?: string } {
  let pkgJsonPath: string;
  try {
    pkgJsonPath = require.resolve(`${PACKAGE}/package.json`, { paths: [fromDir] });
  } catch {
    return { reason: `${PACKAGE} is not installed` };
  }
  const packageDir = path.dirname(pkgJsonPath);
  let offered: number[] = [];
  try {
    const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8')) as { binary?: { napi_versions?: number[] } };
    offered = (pkg.binary?.napi_versions ?? []).filter((v) => v <= Number(process.versions.napi));
  } catch (err) {
    return { packageDir, reason: `${pkgJsonPath} is unreadable (${String(err)})` };
  }
  if (offered.length === 0) return { packageDir, reason: `${PACKAGE} has no addon for N-API ${process.versions.napi} (this runtime)` };
  // The same choice node-pre-gyp's find() makes at load time: the highest N-API version offered.
  return { packageDir, addon: path.join(packageDir, 'lib', `napi-v${Math.max(...offered)}`, 'tfjs_binding.node') };
}

/** The folder the addon's RUNPATH (`$ORIGIN/../../deps/lib`) loads libtensorflow from. */
export function libDirOf(addon: string): string {
  return path.join(path.dirname(addon), '..', '..', 'deps', 'lib');
}

/** node-pre-gyp's `find(packageJsonPath)`, as tfjs-node calls it: the addon to `require`. */
export function find(_packageJsonPath?: string): string {
  return addonFromEnvironment() ?? addonInNodeModules().addon ?? path.join(__dirname, 'native', 'tfjs_binding.node');
}
