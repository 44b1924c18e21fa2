// One build for every runtime: extension host, language server, trainer child process, CLI and
// the webview apps. `--production` minifies; `--watch` rebuilds on change. Type-checking is
// separate (`npm run typecheck`, tsc --noEmit), as esbuild strips types without checking them.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const require = createRequire(import.meta.url);

/**
 * Resolved at run time, never bundled: the VS Code API. Everything else is bundled, TensorFlow.js
 * included, because the installed extension has no node_modules. tfjs-node's JavaScript goes into
 * the trainer bundle with the rest of tfjs, so its native backend registers in the one tfjs-core
 * the trainer uses; only its N-API addon (and libtensorflow beside it) stays a file, found through
 * src/trainer/backends/nativeAddon.ts, which stands in for `@mapbox/node-pre-gyp`.
 */
const nodeExternals = ['vscode'];

/** tfjs-node is optional (its install may have failed): without it the trainer simply has no native backend. */
function resolvable(id) {
  try { require.resolve(id); return true; } catch { return false; }
}
const tfjsNodeBundled = resolvable('@tensorflow/tfjs-node');

/** Inside tfjs-node, `@mapbox/node-pre-gyp` (used only to find the addon) becomes our locator. */
const nativeAddonPlugin = {
  name: 'cnn-lab-native-addon',
  setup(build) {
    build.onResolve({ filter: /^@mapbox\/node-pre-gyp$/ }, (args) => (
      /tfjs-node/.test(args.importer) ? { path: resolve('src/trainer/backends/nativeAddon.ts') } : undefined));
  },
};

/**
 * h5wasm (HDF5 for the Keras export and import, in dist/keras.js only) ships its Node
 * build as an ES module that calls `createRequire(import.meta.url)`; in our CommonJS bundles
 * `import.meta` is empty, so the bundle's own URL stands in. Its wasm binary is embedded in that
 * JavaScript file: there is nothing to copy beside the bundles.
 */
const h5wasmPlugin = {
  name: 'cnn-lab-h5wasm',
  setup(build) {
    build.onLoad({ filter: /[\\/]h5wasm[\\/]dist[\\/]node[\\/]hdf5_util\.js$/ }, (args) => ({
      contents: `import { pathToFileURL as __h5wasmFileUrl } from 'node:url';\nconst __h5wasmUrl = __h5wasmFileUrl(__filename).href;\n${
        readFileSync(args.path, 'utf8').replaceAll('import.meta.url', '__h5wasmUrl')}`,
      loader: 'js',
    }));
  },
};

/** The wasm backend's binaries, loaded by path at run time: copied beside the trainer bundle. */
function copyWasmBinaries() {
  const from = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  mkdirSync('dist/wasm', { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(from, f), join('dist/wasm', f));
  }
}

/**
 * The TextMate grammar's layer keywords come from the layer registry (src/core/layers): the
 * registry is bundled in memory, its `LAYER_TYPES` read, and every keyword alternation of the
 * grammar (the group before `[ \\t]*(:)` in the layer rules) rewritten when it differs. Adding a
 * layer type therefore never means editing the grammar; test/unit/grammar checks the result.
 */
async function generateGrammar() {
  const file = 'media/cnn-model.tmLanguage.json';
  const out = await esbuild.build({
    entryPoints: ['src/core/layers/index.ts'], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  const { LAYER_TYPES: types } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const alternation = `(${types.join('|')})`;
  const text = readFileSync(file, 'utf8');
  // Only the alternations of layer keywords (the top-level keys have one of the same form).
  const next = text.replace(/\((?:[a-z0-9]+\|)+[a-z0-9]+\)(?=\[ \\\\t\]\*\(:\))/g, (m) => (m.includes('|conv2d|') || m.startsWith('(conv2d|') ? alternation : m));
  if (next !== text) writeFileSync(file, next);
}

const targets = [
  { name: 'extension', entry: 'src/extension/main.ts', out: 'dist/extension.js', platform: 'node' },
  { name: 'server', entry: 'src/server/main.ts', out: 'dist/server.js', platform: 'node' },
  { name: 'trainer', entry: 'src/trainer/main.ts', out: 'dist/trainer.js', platform: 'node' },
  { name: 'cli', entry: 'src/cli/main.ts', out: 'dist/cli.js', platform: 'node' },
  // The Keras export and import (h5wasm inside), required by the extension and the CLI only when used (src/host/keras/lazy.ts).
  { name: 'keras', entry: 'src/host/keras/bundle.ts', out: 'dist/keras.js', platform: 'node' },
  { name: 'dashboard', entry: 'webview/dashboard/main.ts', out: 'dist/webview/dashboard.js', platform: 'browser' },
  { name: 'filters', entry: 'webview/filters/main.ts', out: 'dist/webview/filters.js', platform: 'browser' },
  { name: 'comparison', entry: 'webview/comparison/main.ts', out: 'dist/webview/comparison.js', platform: 'browser' },
];

function options(t) {
  const common = {
    entryPoints: [t.entry],
    outfile: t.out,
    bundle: true,
    sourcemap: true,
    minify: production,
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'process.env.CNN_LAB_PRODUCTION': JSON.stringify(production ? '1' : '0') },
  };
  if (t.platform === 'node') {
    const trainer = t.name === 'trainer';
    return {
      // The trainer takes tfjs's `main` (the ES5 Node builds Node itself would load): tfjs-node's
      // ES5 backend class extends tfjs-core's KernelBackend, which fails against the ES2017 `module` build.
      ...common, platform: 'node', format: 'cjs', target: 'node20', mainFields: trainer ? ['main', 'module'] : ['module', 'main'],
      external: [...nodeExternals, ...(trainer && !tfjsNodeBundled ? ['@tensorflow/tfjs-node'] : [])],
      plugins: trainer ? [nativeAddonPlugin] : [h5wasmPlugin],
      define: {
        ...common.define,
        'process.env.CNN_LAB_BUNDLED': '"1"',
        'process.env.CNN_LAB_TFJS_NODE_BUNDLED': JSON.stringify(trainer && tfjsNodeBundled ? '1' : '0'),
      },
      // tfjs-node requires its addon by a computed path; that require is meant to stay dynamic.
      logOverride: { 'unsupported-require-call': 'silent', 'require-resolve-not-external': 'silent' },
    };
  }
  return { ...common, platform: 'browser', format: 'iife', target: 'es2022' };
}

const present = targets.filter((t) => existsSync(t.entry));
const started = Date.now();
if (watch) {
  await generateGrammar();
  copyWasmBinaries();
  for (const t of present) {
    const ctx = await esbuild.context(options(t));
    await ctx.watch();
  }
  console.log(`watching ${present.map((t) => t.name).join(', ')}`);
} else {
  await generateGrammar();
  copyWasmBinaries();
  await Promise.all(present.map((t) => esbuild.build(options(t))));
  for (const t of present) {
    const kb = (statSync(t.out).size / 1024).toFixed(1);
    console.log(`${t.name.padEnd(10)} ${t.out.padEnd(28)} ${kb.padStart(8)} KiB`);
  }
  console.log(`built ${present.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`
    + `${tfjsNodeBundled ? '' : '; @tensorflow/tfjs-node is not installed, so the trainer has no native backend'}`);
}
