/**
 * `npm run package`: the installable VSIX, `cnn-lab-<version>-linux-x64.vsix`.
 *
 * VS Code installs an extension without running npm, so the package carries everything it runs:
 * the production bundles (every JavaScript dependency inside them, TensorFlow.js included), the
 * wasm binaries, the tfjs-node N-API addon built in this checkout (libtensorflow itself is not
 * shipped: the extension downloads it from PyPI on first use, see src/host/native), and the full
 * MNIST as gzip files (so "Train MNIST Model" works with no network). `.vscodeignore` lets in only
 * those files. Prints the package's size and its largest entries.
 *
 *   npm run package                 linux-x64 package with the native addon
 *   npm run package -- --universal  a package for every platform, without the addon (wasm and cpu)
 *   npm run package -- --out FILE
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { listZip } from '../src/host/native/zip';
import { addonInNodeModules } from '../src/trainer/backends/nativeAddon';
import { NATIVE_TARGET } from '../src/host/native/setup';
import { pathToFileURL } from 'node:url';

const root = resolve(__dirname, '..');
process.chdir(root);
const argv = process.argv.slice(2);
const universal = argv.includes('--universal');
const outAt = argv.indexOf('--out');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
const target = universal ? undefined : 'linux-x64';
const out = resolve(outAt >= 0 ? argv[outAt + 1] ?? '' : `${pkg.name}-${pkg.version}${target ? `-${target}` : ''}.vsix`);
const started = Date.now();
const MB = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

function step(name: string, fn: () => void): void {
  const t0 = Date.now();
  fn();
  console.log(`package: ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

async function main(): Promise<void> {
  if (target && (process.platform !== 'linux' || process.arch !== 'x64')) {
    throw new Error(`the native addon is built for the machine packaging it; this is ${process.platform}-${process.arch}. Use --universal, or package on Linux x64.`);
  }
  rmSync('dist', { recursive: true, force: true });
  step('production bundles', () => run(process.execPath, ['esbuild.mjs', '--production']));

  if (target) {
    step('native addon', () => {
      const found = addonInNodeModules(root);
      if (!found.addon || !existsSync(found.addon)) {
        throw new Error(`no tfjs-node addon to ship (${found.reason ?? `${found.addon ?? '?'} is missing`}): run npm run provision:native first`);
      }
      mkdirSync('dist/native', { recursive: true });
      copyFileSync(found.addon, 'dist/native/tfjs_binding.node');
      // What the addon was built for, checked by the extension before it sets the backend up.
      writeFileSync('dist/native/target.json', `${JSON.stringify({ ...NATIVE_TARGET, builtWithNode: process.version }, null, 2)}\n`);
    });
  }

  await (async () => {
    const t0 = Date.now();
    // Loaded by Node itself: it is an ES module script (the declarations are in offline-mnist.d.mts).
    const { writeOfflineMnist } = await import(pathToFileURL(resolve(__dirname, 'offline-mnist.mjs')).href) as typeof import('./offline-mnist.mjs');
    const files = await writeOfflineMnist('dist/data/mnist');
    console.log(`package: full MNIST, gzip, ${files.length} files (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  })();

  step('vsce package', () => {
    rmSync(out, { force: true });
    run(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-update-package-json',
      ...(target ? ['--target', target] : []), '--out', out]);
  });

  const entries = await listZip(out);
  const size = statSync(out).size;
  const unpacked = entries.reduce((n, e) => n + e.size, 0);
  console.log(`\n${relative(root, out)}: ${MB(size)} (${entries.length} files, ${MB(unpacked)} unpacked) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log('largest entries (packed / unpacked):');
  for (const e of [...entries].sort((a, b) => b.compressedSize - a.compressedSize).slice(0, 12)) {
    console.log(`  ${MB(e.compressedSize).padStart(9)} ${MB(e.size).padStart(9)}  ${e.name}`);
  }
  const LIMIT = 40 * 1024 * 1024;
  if (size > LIMIT) throw new Error(`the package is ${MB(size)}, over the ${MB(LIMIT)} budget`);
  // Every bundle esbuild.mjs built runs (dist/keras.js only when exporting or importing): each must be in the package.
  const bundles = readdirSync('dist').filter((f) => f.endsWith('.js')).map((f) => `extension/dist/${f}`);
  const missing = bundles.filter((b) => !entries.some((e) => e.name === b));
  if (missing.length) throw new Error(`the package lacks bundles that esbuild.mjs built: ${missing.join(', ')} (let them in in .vscodeignore)`);
  const forbidden = entries.filter((e) => /(^|\/)(node_modules|src|test|bench)\/|\.map$|\.ts$/.test(e.name.replace(/^extension\//, '')));
  if (forbidden.length) throw new Error(`the package holds files that do not run: ${forbidden.slice(0, 5).map((e) => e.name).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(`package: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
