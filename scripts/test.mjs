#!/usr/bin/env node
// `npm test`: every test layer in order, each named so a failure says which layer the user would
// have seen break. Ends with one line "tests: N passed, N failed, N skipped" summed over layers.
//   node scripts/test.mjs                 all layers
//   node scripts/test.mjs unit process    only those layers
// Each layer runs in its own process group under a time limit (`limit`, minutes; override with
// CNN_LAB_LAYER_TIMEOUT_MIN=<min> or <layer>=<min>,...), after which, or on Ctrl-C, its whole process
// tree is killed (scripts/testRunner.mjs). A layer checks its own system packages (`needs`) first,
// installing them when that needs no password, so that the outcome does not depend on layer order.
// CNN_LAB_TEST_LAYERS=<file.json> replaces the layer list (the runner's own regression tests).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNeeds, layerTimeouts, runWithTimeout } from './testRunner.mjs';

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
/**
 * Layers in the order they run; `when` skips a layer whose tests do not exist yet; `limit` is its
 * time limit in minutes; `needs` are system packages it checks first (testRunner.mjs NEEDS);
 * `bundles` builds dist/ first unless the build layer already ran in this invocation.
 */
const defaultLayers = [
  { name: 'typecheck', what: 'TypeScript errors', cmd: ['npm', 'run', '--silent', 'typecheck'], counts: false, limit: 10 },
  { name: 'build', what: 'the bundles the extension ships', cmd: ['node', 'esbuild.mjs'], counts: false, limit: 10 },
  { name: 'unit', what: 'model language, shapes, data parsers, host logic', cmd: mocha('test/.mocharc.unit.json'), when: () => hasTests('test/unit'), limit: 10, needs: ['fashion-mnist'] },
  { name: 'process', what: 'language server, trainer and CLI as real processes', cmd: mocha('test/.mocharc.process.json'), when: () => hasTests('test/process'), limit: 20, needs: ['fashion-mnist'] },
  // The trainer's process tests run on `auto` (native when provisioned) above, and here again on the
  // two fallbacks users can pick, so every backend is exercised through the real protocol.
  ...['wasm', 'cpu'].map((backend) => ({
    name: `trainer-${backend}`, what: `training on the ${backend} backend`,
    cmd: ['npx', 'mocha', '--require', 'tsx/cjs', '--extension', 'ts', '--timeout', '600000', 'test/process/trainer/trainer.test.ts'],
    env: { CNN_LAB_TEST_BACKEND: backend },
    when: () => existsSync('test/process/trainer/trainer.test.ts'),
    limit: 20,
  })),
  { name: 'webview', what: 'dashboard and filters view in headless Chromium', cmd: mocha('test/.mocharc.webview.json'), when: () => hasTests('test/webview') && existsSync('test/.mocharc.webview.json'), limit: 10, needs: ['chromium'], bundles: true },
  { name: 'integration', what: 'the extension inside a real VS Code (code-server)', cmd: ['npm', 'run', '--silent', 'test:integration'], when: () => existsSync('test/integration') && hasScript('test:integration'), limit: 20, needs: ['chromium'] },
  { name: 'package', what: 'the packaged VSIX installed into a fresh VS Code', cmd: ['npm', 'run', '--silent', 'test:package'], when: () => hasScript('test:package'), limit: 25, needs: ['chromium'] },
  { name: 'e2e', what: 'the workbench driven in headless Chromium', cmd: ['npm', 'run', '--silent', 'test:e2e'], when: () => existsSync('test/e2e') && hasScript('test:e2e'), limit: 20, needs: ['chromium'] },
];
const layers = process.env.CNN_LAB_TEST_LAYERS ? JSON.parse(readFileSync(process.env.CNN_LAB_TEST_LAYERS, 'utf8')) : defaultLayers;
let limits;
try {
  limits = layerTimeouts(Object.fromEntries(layers.map((l) => [l.name, l.limit ?? 20])));
} catch (err) {
  console.error(`!! ${err.message}`);
  process.exit(2);
}

function hasScript(name) {
  const pkg = JSON.parse(String(readFileSync(join(root, 'package.json'))));
  return Boolean(pkg.scripts && pkg.scripts[name]);
}

/** Counts from a runner's own "name: N passed, N failed" line, else from mocha's summary. */
function countsOf(name, out) {
  const plain = [...out.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?\\s*$`, 'gm'))].pop();
  if (plain) return { passed: +plain[1], failed: +plain[2], skipped: +(plain[3] ?? 0) };
  const sum = (re) => [...out.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return { passed: sum(/^\s*(\d+) passing/gm), failed: sum(/^\s*(\d+) failing/gm), skipped: sum(/^\s*(\d+) pending/gm) };
}

// Ctrl-C (or a SIGTERM/SIGHUP to npm test): the layer runs in its own process group, which the
// terminal's SIGINT does not reach, so kill its tree here; a second Ctrl-C exits at once.
const stop = new AbortController();
let current = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (stop.signal.aborted) { console.log(`\n!! ${sig} again: exiting now`); process.exit(130); }
    console.log(`\n!! ${sig}: stopping${current ? ` ${current} (killing its process tree)` : ''}`);
    stop.abort();
  });
}

const only = process.argv.slice(2);
const unknown = only.filter((n) => !layers.some((l) => l.name === n));
if (unknown.length) { console.error(`!! no such layer: ${unknown.join(', ')} (layers: ${layers.map((l) => l.name).join(', ')})`); process.exit(2); }
const total = { passed: 0, failed: 0, skipped: 0 };
const failedLayers = [];
const started = Date.now();
let built = false;
for (const layer of layers) {
  if (stop.signal.aborted) break;
  if (only.length && !only.includes(layer.name)) continue;
  if (layer.when && !layer.when()) { console.log(`\n== ${layer.name}: no tests yet, skipped`); continue; }
  console.log(`\n== ${layer.name} (${layer.what})`);
  const t0 = Date.now();
  const limitMin = limits[layer.name];
  const fail = (why) => {
    failedLayers.push(layer.name);
    if (layer.counts !== false) total.failed += 1;
    console.log(`== ${layer.name}: FAILED in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`!! ${layer.name} failed: ${why}; ${layer.what} would be broken for the user.`);
  };
  current = layer.name;
  // System packages first: a missing browser fails the layer in seconds, with the command to run.
  if (layer.needs?.length) {
    const { ok, lines } = await ensureNeeds(layer.name, layer.needs, { timeoutMs: limitMin * 60_000 });
    for (const l of lines) console.log(l);
    if (!ok) { fail('a system package it needs is missing'); continue; }
  }
  if (layer.bundles && !built && !stop.signal.aborted) {
    const b = await runWithTimeout(['node', 'esbuild.mjs'], { timeoutMs: 5 * 60_000, name: `${layer.name}: node esbuild.mjs`, signal: stop.signal });
    if (b.code !== 0) { fail('node esbuild.mjs (the bundles it loads) failed'); continue; }
    built = true;
  }
  const r = await runWithTimeout(layer.cmd, { env: layer.env, timeoutMs: limitMin * 60_000, name: layer.name, signal: stop.signal, log: (l) => console.log(l) });
  current = null;
  const { code, out } = r;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.strays.length) {
    console.log(`!! ${layer.name} left ${r.strays.length} process(es) running after it exited, now killed: ${r.strays.map((p) => `${p.pid} ${p.comm}`).join(', ')}`);
  }
  if (layer.counts !== false) {
    const c = countsOf(layer.name, out);
    total.passed += c.passed; total.failed += c.failed; total.skipped += c.skipped;
    console.log(`== ${layer.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${secs} s`);
    if (code !== 0 && c.failed === 0) total.failed += 1; // a runner that crashed counts as a failure
  } else {
    console.log(`== ${layer.name}: ${code === 0 ? 'ok' : 'FAILED'} in ${secs} s`);
  }
  if (layer.name === 'build' && code === 0) built = true;
  if (code !== 0) {
    failedLayers.push(layer.name);
    if (r.timedOut) console.log(`!! ${layer.name} timed out after ${Number(limitMin.toFixed(2))} min: killed; ${layer.what} is untested (raise the limit with CNN_LAB_LAYER_TIMEOUT_MIN=${layer.name}=<minutes>).`);
    else if (r.interrupted) console.log(`!! ${layer.name} interrupted: its process tree was killed.`);
    else console.log(`!! ${layer.name} failed: ${layer.what} would be broken for the user.`);
    if (layer.name === 'build' || layer.name === 'typecheck') break;
  }
}
console.log(`\nlayers failed: ${failedLayers.length ? failedLayers.join(', ') : 'none'}${stop.signal.aborted ? ' (interrupted)' : ''} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(stop.signal.aborted ? 130 : failedLayers.length ? 1 : 0);
