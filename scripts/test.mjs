#!/usr/bin/env node
// `npm test`: every test layer in order, each named so a failure says which layer the user would
// have seen break. Ends with one line "tests: N passed, N failed, N skipped" summed over layers.
//   node scripts/test.mjs                 all layers
//   node scripts/test.mjs unit process    only those layers
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function hasTests(dir) {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory() ? hasTests(p) : e.endsWith('.test.ts')) return true;
  }
  return false;
}

const mocha = (cfg) => ['npx', 'mocha', '--config', cfg];
/** Layers in the order they run; `when` skips a layer whose tests do not exist yet. */
const layers = [
  { name: 'typecheck', what: 'TypeScript errors', cmd: ['npm', 'run', '--silent', 'typecheck'], counts: false },
  { name: 'build', what: 'the bundles the extension ships', cmd: ['node', 'esbuild.mjs'], counts: false },
  { name: 'unit', what: 'model language, shapes, data parsers, host logic', cmd: mocha('test/.mocharc.unit.json'), when: () => hasTests('test/unit') },
  { name: 'process', what: 'language server, trainer and CLI as real processes', cmd: mocha('test/.mocharc.process.json'), when: () => hasTests('test/process') },
  // The trainer's process tests run on `auto` (native when provisioned) above, and here again on the
  // two fallbacks users can pick, so every backend is exercised through the real protocol.
  ...['wasm', 'cpu'].map((backend) => ({
    name: `trainer-${backend}`, what: `training on the ${backend} backend`,
    cmd: ['npx', 'mocha', '--require', 'tsx/cjs', '--extension', 'ts', '--timeout', '600000', 'test/process/trainer/trainer.test.ts'],
    env: { CNN_LAB_TEST_BACKEND: backend },
    when: () => existsSync('test/process/trainer/trainer.test.ts'),
  })),
  { name: 'webview', what: 'dashboard and filters view in headless Chromium', cmd: mocha('test/.mocharc.webview.json'), when: () => hasTests('test/webview') && existsSync('test/.mocharc.webview.json') },
  { name: 'integration', what: 'the extension inside a real VS Code (code-server)', cmd: ['npm', 'run', '--silent', 'test:integration'], when: () => existsSync('test/integration') && hasScript('test:integration') },
  { name: 'e2e', what: 'the workbench driven in headless Chromium', cmd: ['npm', 'run', '--silent', 'test:e2e'], when: () => existsSync('test/e2e') && hasScript('test:e2e') },
];

function hasScript(name) {
  const pkg = JSON.parse(String(readFileSync(join(root, 'package.json'))));
  return Boolean(pkg.scripts && pkg.scripts[name]);
}

function run(cmd, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    const take = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

/** Counts from a runner's own "name: N passed, N failed" line, else from mocha's summary. */
function countsOf(name, out) {
  const plain = [...out.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?\\s*$`, 'gm'))].pop();
  if (plain) return { passed: +plain[1], failed: +plain[2], skipped: +(plain[3] ?? 0) };
  const sum = (re) => [...out.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return { passed: sum(/^\s*(\d+) passing/gm), failed: sum(/^\s*(\d+) failing/gm), skipped: sum(/^\s*(\d+) pending/gm) };
}

const only = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
const failedLayers = [];
const started = Date.now();
for (const layer of layers) {
  if (only.length && !only.includes(layer.name)) continue;
  if (layer.when && !layer.when()) { console.log(`\n== ${layer.name}: no tests yet, skipped`); continue; }
  console.log(`\n== ${layer.name} (${layer.what})`);
  const t0 = Date.now();
  const { code, out } = await run(layer.cmd, layer.env);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (layer.counts !== false) {
    const c = countsOf(layer.name, out);
    total.passed += c.passed; total.failed += c.failed; total.skipped += c.skipped;
    console.log(`== ${layer.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${secs} s`);
    if (code !== 0 && c.failed === 0) total.failed += 1; // a runner that crashed counts as a failure
  } else {
    console.log(`== ${layer.name}: ${code === 0 ? 'ok' : 'FAILED'} in ${secs} s`);
  }
  if (code !== 0) {
    failedLayers.push(layer.name);
    console.log(`!! ${layer.name} failed: ${layer.what} would be broken for the user.`);
    if (layer.name === 'build' || layer.name === 'typecheck') break;
  }
}
console.log(`\nlayers failed: ${failedLayers.length ? failedLayers.join(', ') : 'none'} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedLayers.length ? 1 : 0);
