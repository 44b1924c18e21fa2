// One build for every runtime: extension host, language server, trainer child process, CLI and
// the webview apps. `--production` minifies; `--watch` rebuilds on change. Type-checking is
// separate (`npm run typecheck`, tsc --noEmit), as esbuild strips types without checking them.
import * as esbuild from 'esbuild';
import { existsSync, statSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Resolved at run time, never bundled: the VS Code API, and TensorFlow.js as a whole. tfjs-node
 * registers its native backend in the tfjs-core instance it requires from node_modules; bundling
 * another copy of tfjs-core into the trainer would leave that backend invisible to it.
 */
const nodeExternals = ['vscode', '@tensorflow/*'];

const targets = [
  { name: 'extension', entry: 'src/extension/main.ts', out: 'dist/extension.js', platform: 'node' },
  { name: 'server', entry: 'src/server/main.ts', out: 'dist/server.js', platform: 'node' },
  { name: 'trainer', entry: 'src/trainer/main.ts', out: 'dist/trainer.js', platform: 'node' },
  { name: 'cli', entry: 'src/cli/main.ts', out: 'dist/cli.js', platform: 'node' },
  { name: 'dashboard', entry: 'webview/dashboard/main.ts', out: 'dist/webview/dashboard.js', platform: 'browser' },
  { name: 'filters', entry: 'webview/filters/main.ts', out: 'dist/webview/filters.js', platform: 'browser' },
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
    return { ...common, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals, mainFields: ['module', 'main'] };
  }
  return { ...common, platform: 'browser', format: 'iife', target: 'es2022' };
}

const present = targets.filter((t) => existsSync(t.entry));
const started = Date.now();
if (watch) {
  for (const t of present) {
    const ctx = await esbuild.context(options(t));
    await ctx.watch();
  }
  console.log(`watching ${present.map((t) => t.name).join(', ')}`);
} else {
  await Promise.all(present.map((t) => esbuild.build(options(t))));
  for (const t of present) {
    const kb = (statSync(t.out).size / 1024).toFixed(1);
    console.log(`${t.name.padEnd(10)} ${t.out.padEnd(28)} ${kb.padStart(8)} KiB`);
  }
  console.log(`built ${present.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
