#!/usr/bin/env node
// Provision the native TensorFlow backend (@tensorflow/tfjs-node) on machines where its own install
// cannot reach Google's storage host (offline classrooms, CI, corporate proxies).
//
// tfjs-node's install script downloads libtensorflow from storage.googleapis.com; when that fails,
// npm silently drops the optional dependency and training falls back to wasm/cpu. This script, run
// as `postinstall` and as `npm run provision:native`, instead:
//   1. does nothing when tfjs-node already loads (its own install worked, or we provisioned before);
//   2. installs the tfjs-node JS package and its runtime dependencies without its install script;
//   3. takes libtensorflow (the C and eager C API tfjs-node binds) from TensorFlow's PyPI wheel
//      `tensorflow-cpu`, downloaded with `pip download` (nothing is pip-installed);
//   4. builds the addon from source with node-gyp against those libraries and headers, in a build
//      folder of its own, from a copy of tfjs-node's binding sources with CNN Lab's patch applied
//      (scripts/native/binding-patch.mjs: list(string) and list(type) op attributes, which the
//      fused kernels `_FusedConv2D`/`_FusedMatMul` need);
//   5. verifies the new addon in a child process before it replaces the one in node_modules (one
//      rename: a test or training run starting meanwhile loads either the old or the new file), and
//      caches libraries and addon keyed by versions and a hash of the patch, so a fresh clone on the
//      same machine provisions in seconds and an addon built from an older patch is rebuilt once.
// An addon that loads but was not built by this script from this patch (no or another stamp file,
// `lib/napi-v<N>/cnn-lab-addon.json`) is replaced: from the cache when it holds one for this key,
// else by a build.
// It never fails an install: on any problem it explains what is missing and exits 0 (the project
// then trains on wasm/cpu). `--strict` exits 1 instead (for CI that must have the native backend).
//
//   node scripts/provision-native.mjs [--force] [--strict]
//   --force                   rebuild the addon even when the one in place (or in the cache) is current
//   CNN_LAB_SKIP_NATIVE=1     skip entirely
//   CNN_LAB_CACHE=<dir>       cache folder (default $XDG_CACHE_HOME/cnn-lab or ~/.cache/cnn-lab); this
//                             script uses its native/ subfolder
//   CNN_LAB_TF_VERSION=x.y.z  tensorflow-cpu wheel to take libtensorflow from (default 2.21.0, tested)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const strict = args.has('--strict');

const TF_VERSION = process.env.CNN_LAB_TF_VERSION || '2.21.0';
/** tfjs-node's own libtensorflow version; a file of this name in deps/lib makes its install script skip the download. */
const TFJS_NODE_LIBTF_MARKER = 'libtensorflow.so.2.9.1';
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const PKG_DIR = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
/** The source patch applied to the binding before it is compiled (see that file). */
const PATCH_MODULE = path.join(root, 'scripts', 'native', 'binding-patch.mjs');
/** Stamp written next to the installed addon: which cache key (versions and patch) it was built for. */
const STAMP = 'cnn-lab-addon.json';
/** Everything this script caches lives under `native/` of the project's cache folder. */
const cacheRoot = path.join(process.env.CNN_LAB_CACHE
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cnn-lab'), 'native');

class ProvisionError extends Error {
  /** @param {string} message @param {string} hint what the user can do about it */
  constructor(message, hint) { super(message); this.hint = hint; }
}

const log = (msg) => console.log(`[native] ${msg}`);
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** One named step with its duration, so a slow or failing step is obvious in install logs. */
function step(name, fn) {
  const t0 = Date.now();
  log(`${name} ...`);
  const result = fn();
  log(`${name}: done in ${secs(t0)}`);
  return result;
}

/** Runs a command; returns its output or throws a ProvisionError with its tail. */
function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new ProvisionError(`${cmd} could not start: ${r.error.message}`, opts.hint ?? '');
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new ProvisionError(`${cmd} ${cmdArgs.join(' ')} failed (exit ${r.status ?? r.signal}):\n${tail}`, opts.hint ?? '');
  }
  return r.stdout ?? '';
}

function has(cmd, cmdArgs = ['--version']) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

// ------------------------------------------------------------------------------------ probing

/**
 * Loads tfjs-node in a child process (the addon and libtensorflow are process-global and a broken
 * one may abort) and runs a small conv2d with its gradient; returns the libtensorflow version and
 * `listAttrs`: whether list(string) and list(type) attributes reach TensorFlow (the binding patch),
 * checked with `_FusedMatMul` and `_FusedConv2D` against their plain ops. `addon` loads that file
 * instead of the one node-pre-gyp finds in node_modules (a freshly built candidate; its RUNPATH
 * must reach libtensorflow from where it lies).
 */
function probeAddon(addon) {
  const code = `
    ${addon ? `require(require.resolve('@mapbox/node-pre-gyp/lib/pre-binding', { paths: [${JSON.stringify(PKG_DIR)}] })).find = () => ${JSON.stringify(addon)};` : ''}
    const tf = require('@tensorflow/tfjs-node');
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    const x = tf.ones([1, 4, 4, 2]), w = tf.ones([3, 3, 2, 3]);
    const [dx, dw] = tf.grads((a, b) => tf.conv2d(a, b, 1, 'same').sum())([x, w]);
    // Over ones, both gradient sums count the (output, tap) pairs that land inside the 4x4 input
    // (10 per axis, so 100) times 2 input and 3 output channels: exactly 600 each.
    const s = [dx.sum().dataSync()[0], dw.sum().dataSync()[0]];
    if (s[0] !== 600 || s[1] !== 600) throw new Error('wrong conv2d gradient sums ' + s);
    const be = tf.backend(), B = be.binding, attr = (name, type, value) => ({ name, type, value });
    let listAttrs = false;
    try {
      const T = attr('T', B.TF_ATTR_TYPE, B.TF_FLOAT), relu = attr('fused_ops', B.TF_ATTR_STRING, ['BiasAdd', 'Relu']);
      const a = tf.tensor2d([1, -2, 3, 4, 5, -6], [2, 3]), m = tf.tensor2d([1, 2, -3, 4, 5, 6], [3, 2]), b = tf.tensor1d([0.5, -40]);
      const mm = be.executeSingleOutput('_FusedMatMul', [T, attr('num_args', B.TF_ATTR_INT, 1), relu], [a, m, b]);
      const conv = be.executeSingleOutput('_FusedConv2D', [T, attr('TArgs', B.TF_ATTR_TYPE, [B.TF_FLOAT]), attr('num_args', B.TF_ATTR_INT, 1),
        attr('strides', B.TF_ATTR_INT, [1, 1, 1, 1]), attr('padding', B.TF_ATTR_STRING, 'SAME'), relu], [x, w, tf.tensor1d([-5, 0, 5])]);
      const same = (p, q) => p.shape.join() === q.shape.join() && p.dataSync().every((v, i) => v === q.dataSync()[i]);
      listAttrs = same(mm, tf.relu(tf.add(tf.matMul(a, m), b))) && same(conv, tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), tf.tensor1d([-5, 0, 5]))));
    } catch { listAttrs = false; }
    process.stdout.write(JSON.stringify({ tf: B.TF_Version, tfjsNode: tf.version['tfjs-node'], listAttrs }));`;
  const r = spawnSync(process.execPath, ['-e', code], {
    cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 120_000,
  });
  if (r.status === 0) {
    try { return { ok: true, ...JSON.parse(r.stdout) }; } catch { /* fall through */ }
  }
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /Error\b|error:/.test(l)) ?? lines[0] ?? `exit ${r.status ?? r.signal}`;
  return { ok: false, why };
}

function readJson(p) {
  try { return JSON.parse(fs.readFileSync(p, 'utf8')); } catch { return undefined; }
}

/** The tfjs-node version this project asks for (package.json), exact. */
function wantedTfjsNode() {
  const pkg = readJson(path.join(root, 'package.json')) ?? {};
  const spec = pkg.optionalDependencies?.['@tensorflow/tfjs-node'] ?? pkg.dependencies?.['@tensorflow/tfjs-node'];
  if (typeof spec !== 'string' || !/^\d+\.\d+\.\d+$/.test(spec)) {
    throw new ProvisionError(`package.json does not pin @tensorflow/tfjs-node to an exact version (found ${spec})`,
      'list "@tensorflow/tfjs-node": "4.22.0" under optionalDependencies');
  }
  return spec;
}

/** Highest N-API version tfjs-node offers that this Node supports (what node-pre-gyp's find() picks). */
function napiBuildVersion() {
  const offered = readJson(path.join(PKG_DIR, 'package.json'))?.binary?.napi_versions ?? [];
  const mine = Number(process.versions.napi);
  const fits = offered.filter((v) => v <= mine);
  if (!fits.length) throw new ProvisionError(`this Node supports N-API ${mine}; tfjs-node needs one of ${offered}`, 'use Node 20 or newer');
  return Math.max(...fits);
}

// ------------------------------------------------------------------------------------ steps

/** True when tfjs-node and everything it requires at load time resolve from the project. */
function jsPackageComplete(version) {
  const pkg = readJson(path.join(PKG_DIR, 'package.json'));
  if (pkg?.version !== version) return false;
  const r = spawnSync(process.execPath, ['-e',
    `for (const d of ${JSON.stringify(Object.keys(pkg.dependencies ?? {}))}) require.resolve(d + '/package.json', { paths: [${JSON.stringify(PKG_DIR)}] });`],
  { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * Installs the tfjs-node package and its dependencies with install scripts off (its own script
 * would try Google's host and npm would drop it again). Serialised with other npm runs on this
 * machine through flock when available, except when we are ourselves inside an npm install (which
 * may already hold that lock, and whose tree we are completing).
 */
function ensureJsPackage(version) {
  if (jsPackageComplete(version)) { log(`@tensorflow/tfjs-node ${version} JS package present`); return; }
  step(`installing @tensorflow/tfjs-node@${version} (scripts off)`, () => {
    const npmArgs = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${version}`];
    const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
      ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const insideNpm = Boolean(process.env.npm_lifecycle_event);
    const cmd = !insideNpm && has('flock', ['--version'])
      ? ['flock', path.join(os.tmpdir(), 'cnnlab-npm.lock'), ...npmCli, ...npmArgs]
      : [...npmCli, ...npmArgs];
    run(cmd[0], cmd.slice(1), { cwd: root, hint: 'check that the npm registry is reachable, then run npm run provision:native' });
  });
  if (!jsPackageComplete(version)) {
    throw new ProvisionError('npm did not leave @tensorflow/tfjs-node and its dependencies in node_modules', 'run npm run provision:native again');
  }
}

/** Finds the Node headers node-gyp needs without letting it download them from nodejs.org. */
function nodeHeadersDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    '/usr', '/usr/local',
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node),
  ].filter(Boolean);
  for (const dir of candidates) {
    const h = path.join(dir, 'include', 'node');
    if (fs.existsSync(path.join(h, 'node_api.h')) && fs.existsSync(path.join(h, 'common.gypi'))) {
      const v = /#define NODE_MAJOR_VERSION (\d+)/.exec(safeRead(path.join(h, 'node_version.h')))?.[1];
      if (!v || v === process.versions.node.split('.')[0]) return dir;
    }
  }
  return undefined;
}

function safeRead(p) { try { return fs.readFileSync(p, 'utf8'); } catch { return ''; } }

function nodeGypCommand() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, c];
  if (has('node-gyp')) return ['node-gyp'];
  return undefined;
}

/** Checks every build prerequisite up front so the user gets one clear list of what is missing. */
function checkToolchain() {
  const missing = [];
  if (!has('python3')) missing.push('python3');
  else if (!has('python3', ['-m', 'pip', '--version'])) missing.push('pip for python3 (Debian: python3-pip)');
  if (!has('c++') && !has('g++')) missing.push('a C++ compiler (Debian: g++)');
  if (!has('make')) missing.push('make');
  const gyp = nodeGypCommand();
  if (!gyp) missing.push('node-gyp (ships with npm)');
  if (missing.length) {
    throw new ProvisionError(`cannot build the native addon: missing ${missing.join(', ')}`,
      'install them (on Debian/Ubuntu: bash scripts/system-deps.sh), then run npm run provision:native');
  }
  const nodedir = nodeHeadersDir();
  if (!nodedir) log(`no local Node ${process.version} headers found; node-gyp will try to download them from nodejs.org`);
  return { gyp, nodedir };
}

/** Downloads the tensorflow-cpu wheel (download only, into a temporary cache folder). */
function downloadWheel(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const find = () => fs.readdirSync(dir).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}-`) && f.endsWith('.whl'));
  if (find()) return path.join(dir, find());
  // Fixed platform and Python tags: only the wheel's C libraries are used, so the local Python's
  // version does not matter, and every machine gets the same, tested file.
  run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
    '--platform', 'manylinux_2_27_x86_64', '--python-version', '3.11', '--progress-bar', 'off',
    `tensorflow-cpu==${TF_VERSION}`, '-d', dir],
  { hint: 'check that PyPI is reachable (pip config, proxy), then run npm run provision:native', stdio: ['ignore', 'pipe', 'pipe'] });
  const f = find();
  if (!f) throw new ProvisionError(`pip reported success but no tensorflow_cpu-${TF_VERSION} wheel is in ${dir}`, 'run npm run provision:native again');
  return path.join(dir, f);
}

/** Include roots of the binding's sources: the closure of these is staged from the wheel. */
function bindingIncludeRoots() {
  const dir = path.join(PKG_DIR, 'binding');
  const roots = new Set();
  for (const f of fs.readdirSync(dir)) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*#\s*include\s*"(tensorflow\/[^"]+)"/gm)) roots.add(m[1]);
  }
  return [...roots];
}

/**
 * libtensorflow staged from the wheel: both shared libraries (symbol tables stripped when `strip`
 * exists, about 220 MB less; the dynamic symbols the addon links stay) and the headers the binding
 * reaches. Cached per TensorFlow version; the wheel stays in downloads/ for the package test.
 */
function ensureLibtensorflow() {
  const dir = path.join(cacheRoot, `libtensorflow-${TF_VERSION}-linux-x64`);
  if (readJson(path.join(dir, 'staged.json'))?.tf === TF_VERSION && LIBS.every((l) => fs.existsSync(path.join(dir, 'lib', l)))) {
    log(`libtensorflow ${TF_VERSION} from cache ${dir}`);
    return dir;
  }
  const downloads = path.join(cacheRoot, 'downloads');
  const wheel = step(`downloading tensorflow-cpu ${TF_VERSION} wheel from PyPI (about 270 MB, download only)`, () => downloadWheel(downloads));
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  step('unpacking libtensorflow and its C headers from the wheel', () => {
    const out = run('python3', [path.join(root, 'scripts', 'native', 'wheel.py'), wheel, tmp, ...bindingIncludeRoots()],
      { hint: 'the wheel may be damaged: delete it from the cache and run npm run provision:native' });
    log(`staged ${out.trim()}`);
  });
  if (has('strip', ['--version'])) {
    step('stripping symbol tables from the libraries', () => {
      for (const l of LIBS) run('strip', ['--strip-unneeded', path.join(tmp, 'lib', l)]);
    });
  }
  fs.writeFileSync(path.join(tmp, 'staged.json'), `${JSON.stringify({ tf: TF_VERSION, from: path.basename(wheel), at: new Date().toISOString() })}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  // The wheel is kept in downloads/: the package test serves it to a fresh VS Code profile from a
  // local index, so a machine downloads its 270 MB once.
  return dir;
}

/** Hard link (no extra disk, survives the cache being deleted) or, across file systems, copy. */
function linkOrCopy(src, dst) {
  fs.rmSync(dst, { force: true });
  try { fs.linkSync(src, dst); } catch { fs.copyFileSync(src, dst); }
}

function symlink(target, at) {
  fs.rmSync(at, { force: true });
  fs.symlinkSync(target, at);
}

/** The symbolic links the link step (`-ltensorflow`) and tfjs-node's install script look for, next to LIBS. */
const LIB_LINKS = [
  ['libtensorflow.so', 'libtensorflow_cc.so.2'],
  ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  [TFJS_NODE_LIBTF_MARKER, 'libtensorflow_cc.so.2'],
];

/** True when `deps` already holds exactly these libraries (the same files: hard links) and headers. */
function depsStagedFrom(deps, libtfDir) {
  try {
    for (const l of LIBS) {
      const a = fs.statSync(path.join(deps, 'lib', l));
      const b = fs.statSync(path.join(libtfDir, 'lib', l));
      if (a.ino !== b.ino || a.dev !== b.dev) return false;
    }
    for (const [link, target] of LIB_LINKS) if (fs.readlinkSync(path.join(deps, 'lib', link)) !== target) return false;
    return fs.existsSync(path.join(deps, 'include', 'tensorflow', 'c', 'eager', 'c_api.h'));
  } catch {
    return false;
  }
}

/**
 * Puts libtensorflow where tfjs-node's binding.gyp and the addon's RUNPATH ($ORIGIN/../../deps/lib)
 * expect it, plus the markers that make tfjs-node's own install script (`npm rebuild`) build from
 * these files offline instead of downloading. Leaves a deps folder that is already right alone; else
 * fills a new one beside it and swaps it in by renames, so the addon finds its libraries at every
 * moment but the few microseconds between the two renames.
 */
function stageDeps(libtfDir) {
  const deps = path.join(PKG_DIR, 'deps');
  if (!depsStagedFrom(deps, libtfDir)) {
    const tmp = `${deps}.tmp-${process.pid}`;
    const old = `${deps}.old-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.join(tmp, 'lib'), { recursive: true });
    for (const l of LIBS) linkOrCopy(path.join(libtfDir, 'lib', l), path.join(tmp, 'lib', l));
    for (const [link, target] of LIB_LINKS) symlink(target, path.join(tmp, 'lib', link));
    fs.cpSync(path.join(libtfDir, 'include'), path.join(tmp, 'include'), { recursive: true });
    fs.rmSync(old, { recursive: true, force: true });
    if (fs.existsSync(deps)) fs.renameSync(deps, old);
    fs.renameSync(tmp, deps);
    fs.rmSync(old, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(PKG_DIR, 'scripts', 'custom-binary.json'),
    `${JSON.stringify({ 'tf-lib': `file://${libtfDir} (staged by cnn-lab scripts/provision-native.mjs; build from source)` })}\n`);
}

function addonPath(napi) { return path.join(PKG_DIR, 'lib', `napi-v${napi}`, 'tfjs_binding.node'); }
function stampPath(napi) { return path.join(path.dirname(addonPath(napi)), STAMP); }

// ------------------------------------------------------------------------------------ the binding patch

let patchModule;
/** scripts/native/binding-patch.mjs, loaded once; a ProvisionError when it is missing or broken. */
async function loadPatch() {
  if (patchModule) return patchModule;
  let text;
  try { text = fs.readFileSync(PATCH_MODULE); } catch (e) {
    throw new ProvisionError(`the binding patch ${PATCH_MODULE} is missing (${e.message})`, 'restore scripts/native/ from the repository (git checkout -- scripts/native)');
  }
  const mod = await import(pathToFileURL(PATCH_MODULE).href);
  if (typeof mod.patchBindingSource !== 'function' || typeof mod.PATCHED_FILE !== 'string') {
    throw new ProvisionError(`${PATCH_MODULE} does not export patchBindingSource and PATCHED_FILE`, 'restore scripts/native/ from the repository');
  }
  // Part of the cache key: a changed patch (or a changed file at all) means another addon.
  patchModule = { ...mod, hash: createHash('sha256').update(text).digest('hex').slice(0, 12) };
  return patchModule;
}

/**
 * Compiles the addon in `work` (a folder laid out like the package: binding.gyp, binding/, deps/
 * linking the staged libtensorflow, lib/napi-v<N>/), from a copy of tfjs-node's binding sources
 * with the patch applied; node_modules is not touched. Returns the built addon, which loads from
 * there (its RUNPATH reaches work/deps/lib) for the probe.
 */
function buildAddon({ gyp, nodedir }, napi, libtfDir, patch, work) {
  fs.rmSync(work, { recursive: true, force: true });
  const out = path.join(work, 'lib', `napi-v${napi}`);
  fs.mkdirSync(out, { recursive: true });
  fs.mkdirSync(path.join(work, 'deps', 'lib'), { recursive: true });
  fs.copyFileSync(path.join(PKG_DIR, 'binding.gyp'), path.join(work, 'binding.gyp'));
  fs.cpSync(path.join(PKG_DIR, 'binding'), path.join(work, 'binding'), { recursive: true });
  const file = path.join(work, patch.PATCHED_FILE);
  let result;
  try { result = patch.patchBindingSource(fs.readFileSync(file, 'utf8')); } catch (e) {
    throw new ProvisionError(e.message, 'report it: tfjs-node\'s binding is not the one scripts/native/binding-patch.mjs was written for');
  }
  fs.writeFileSync(file, result.text);
  log(`binding patch ${patch.hash}: ${result.applied ? 'applied' : 'already in the sources'} (${patch.PATCHED_FILE}: list(string) and list(type) attributes)`);
  symlink(path.join(libtfDir, 'include'), path.join(work, 'deps', 'include'));
  for (const l of LIBS) symlink(path.join(libtfDir, 'lib', l), path.join(work, 'deps', 'lib', l));
  for (const [link, target] of LIB_LINKS) symlink(target, path.join(work, 'deps', 'lib', link));
  const env = { ...process.env };
  if (nodedir) env.npm_config_nodedir = nodedir;
  const jobs = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  run(gyp[0], [...gyp.slice(1), 'rebuild', '--jobs', jobs, ...(nodedir ? [`--nodedir=${nodedir}`] : []),
    `--napi_build_version=${napi}`, '--module_name=tfjs_binding', `--module_path=${out}`],
  { cwd: work, env, hint: 'see the compiler output above; install g++, make and python3, then run npm run provision:native' });
  const built = path.join(out, 'tfjs_binding.node');
  if (!fs.existsSync(built)) throw new ProvisionError('node-gyp finished but produced no tfjs_binding.node', 'run npm run provision:native -- --force');
  return built;
}

/**
 * Puts `addon` in place in node_modules by one rename (a process loading tfjs-node meanwhile gets
 * the old file or the new one, never a half-written one) and writes the stamp. Returns a function
 * that puts the previous addon back (kept as a hard link until then).
 */
function installAddon(addon, napi, stamp) {
  const dst = addonPath(napi);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  const tmp = `${dst}.tmp-${process.pid}`;
  const previous = `${dst}.previous-${process.pid}`;
  fs.copyFileSync(addon, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.rmSync(previous, { force: true });
  const hadPrevious = fs.existsSync(dst);
  if (hadPrevious) linkOrCopy(dst, previous);
  const oldStamp = safeRead(stampPath(napi));
  fs.renameSync(tmp, dst);
  writeAtomically(stampPath(napi), `${JSON.stringify(stamp)}\n`);
  return {
    restore() {
      if (hadPrevious) fs.renameSync(previous, dst);
      if (oldStamp) writeAtomically(stampPath(napi), oldStamp); else fs.rmSync(stampPath(napi), { force: true });
    },
    commit() { fs.rmSync(previous, { force: true }); },
  };
}

function writeAtomically(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

// ------------------------------------------------------------------------------------ disk and lock

/** Bytes under a path, each inode counted once (hard links between cache and node_modules). */
function diskBytes(paths) {
  const seen = new Set();
  let total = 0;
  const walk = (p) => {
    let st;
    try { st = fs.lstatSync(p); } catch { return; }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else total += st.blocks * 512;
  };
  paths.forEach(walk);
  return total;
}
const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** A lock folder in the cache, so two clones provisioning at once do not unpack over each other. */
async function withCacheLock(fn) {
  fs.mkdirSync(cacheRoot, { recursive: true });
  const lock = path.join(cacheRoot, '.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try { fs.mkdirSync(lock); fs.writeFileSync(path.join(lock, 'pid'), String(process.pid)); break; } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(safeRead(path.join(lock, 'pid')));
      let alive = false;
      try { if (holder) { process.kill(holder, 0); alive = true; } } catch { alive = false; }
      const ageMs = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if ((!alive && ageMs > 5_000) || Date.now() > deadline) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      log(`waiting for another provisioning (pid ${holder}) to finish ...`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
    }
  }
  try { return await fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}

// ------------------------------------------------------------------------------------ main

/** The cache key and stamp of the addon this script builds now: versions and the patch's hash. */
async function currentBuild(version, napi) {
  const patch = await loadPatch();
  const key = `tfjs-node-${version}-tf-${TF_VERSION}-napi-v${napi}-linux-x64-patch-${patch.hash}`;
  return { patch, key, stamp: { key, patch: patch.hash, tfjsNode: version, tf: TF_VERSION, napi } };
}

/** Build folders of provisioning runs that died (their pid is gone). */
function removeStaleBuilds() {
  for (const e of fs.readdirSync(cacheRoot)) {
    const pid = Number(/^build-(\d+)$/.exec(e)?.[1]);
    if (!pid || pid === process.pid) continue;
    let alive = false;
    try { process.kill(pid, 0); alive = true; } catch { alive = false; }
    if (!alive) fs.rmSync(path.join(cacheRoot, e), { recursive: true, force: true });
  }
}

async function provision() {
  const version = wantedTfjsNode();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ProvisionError(`building from the TensorFlow wheel is implemented for Linux x64 only (this is ${process.platform}-${process.arch})`,
      'on this platform tfjs-node installs its own prebuilt binary when storage.googleapis.com is reachable: npm rebuild @tensorflow/tfjs-node');
  }
  ensureJsPackage(version);
  const napi = napiBuildVersion();
  const { patch, key, stamp } = await currentBuild(version, napi);
  const addonCache = path.join(cacheRoot, key);
  return withCacheLock(() => {
    const libtfCached = path.join(cacheRoot, `libtensorflow-${TF_VERSION}-linux-x64`);
    const cachedAddon = path.join(addonCache, 'tfjs_binding.node');
    if (!force && fs.existsSync(cachedAddon) && fs.existsSync(path.join(libtfCached, 'staged.json'))) {
      const installed = step(`restoring the addon built earlier (${key})`, () => {
        stageDeps(libtfCached);
        return installAddon(cachedAddon, napi, { ...stamp, from: 'cache', at: new Date().toISOString() });
      });
      const probe = step('verifying the restored addon in a child process', () => probeAddon());
      if (probe.ok && probe.listAttrs) {
        installed.commit();
        return { probe, how: 'restored from cache' };
      }
      installed.restore();
      log(`the cached addon ${probe.ok ? 'does not pass list-valued attributes' : `does not load (${probe.why})`}; rebuilding it`);
    }
    const tools = step('checking pip, compiler, make, node-gyp and Node headers', checkToolchain);
    const libtf = ensureLibtensorflow();
    removeStaleBuilds();
    const work = path.join(cacheRoot, `build-${process.pid}`);
    try {
      const built = step(`compiling the patched tfjs-node addon (N-API v${napi}) with node-gyp in ${work}`, () => buildAddon(tools, napi, libtf, patch, work));
      const probe = step('verifying the new addon in a child process, before it replaces the one in node_modules', () => probeAddon(built));
      if (!probe.ok) throw new ProvisionError(`the built addon does not load: ${probe.why}`, 'run npm run provision:native -- --force; if it fails again, report the output');
      if (!probe.listAttrs) {
        throw new ProvisionError('the built addon loads but does not pass list-valued attributes to TensorFlow (_FusedMatMul/_FusedConv2D check failed)',
          'report the output; tfjs-node\'s binding or libtensorflow may have changed');
      }
      step('staging libtensorflow into node_modules/@tensorflow/tfjs-node/deps', () => stageDeps(libtf));
      const installed = installAddon(built, napi, { ...stamp, from: 'build', at: new Date().toISOString() });
      const after = step('verifying the installed addon in a child process', () => probeAddon());
      if (!after.ok || !after.listAttrs) {
        installed.restore();
        throw new ProvisionError(`the installed addon does not ${after.ok ? 'pass list-valued attributes' : `load (${after.why})`}; the previous one is back in place`,
          'run npm run provision:native -- --force; if it fails again, report the output');
      }
      installed.commit();
      fs.mkdirSync(addonCache, { recursive: true });
      fs.copyFileSync(built, path.join(addonCache, 'tfjs_binding.node.tmp'));
      fs.renameSync(path.join(addonCache, 'tfjs_binding.node.tmp'), cachedAddon);
      writeAtomically(path.join(addonCache, 'built.json'), `${JSON.stringify({ key, patch: patch.hash, tf: probe.tf, node: process.version, at: new Date().toISOString() })}\n`);
      return { probe: after, how: 'built from source' };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

/**
 * Why the addon in place is not the one this script would provide now, or null when it is: it must
 * load, pass list-valued attributes, and carry the stamp of the current key (versions and patch).
 */
async function whyNotCurrent(probe) {
  if (!probe.ok) return `@tensorflow/tfjs-node does not load yet (${probe.why})`;
  let build;
  try {
    build = await currentBuild(wantedTfjsNode(), napiBuildVersion());
  } catch (e) {
    return `cannot tell which addon is wanted (${e.message})`;
  }
  const stamp = readJson(stampPath(build.stamp.napi));
  if (stamp?.key !== build.key) {
    return `the addon in node_modules loads but was not built from the current binding patch ${build.patch.hash} `
      + `(stamp: ${stamp?.key ?? 'none'}${probe.listAttrs ? '' : '; list-valued attributes do not reach TensorFlow'})`;
  }
  if (!probe.listAttrs) return 'the addon in node_modules carries the current stamp but does not pass list-valued attributes';
  return null;
}

async function main() {
  if (process.env.CNN_LAB_SKIP_NATIVE === '1') {
    log('CNN_LAB_SKIP_NATIVE=1: not provisioning the native TensorFlow backend (training uses wasm/cpu)');
    return 0;
  }
  if (!force) {
    const probe = probeAddon();
    const why = await whyNotCurrent(probe);
    if (why === null) {
      log(`native TensorFlow backend ready: tfjs-node ${probe.tfjsNode}, libtensorflow ${probe.tf}, binding patch ${(await loadPatch()).hash} (checked in ${secs(started)})`);
      return 0;
    }
    log(`${why}; provisioning it from the TensorFlow wheel`);
  } else {
    log('--force: rebuilding the addon');
  }
  try {
    const { probe, how } = await provision();
    log(`native TensorFlow backend ready: libtensorflow ${probe.tf}, binding patch ${(await loadPatch()).hash}, ${how} in ${secs(started)}`);
    log(`disk: ${mb(diskBytes([cacheRoot, PKG_DIR]))} (cache ${cacheRoot} and node_modules/@tensorflow/tfjs-node, hard links counted once)`);
    return 0;
  } catch (e) {
    const err = e instanceof ProvisionError ? e : new ProvisionError(e instanceof Error ? e.stack ?? e.message : String(e), 'run npm run provision:native to retry');
    log(`NOT provisioned after ${secs(started)}: ${err.message}`);
    if (err.hint) log(`what to do: ${err.hint}`);
    log('the project still works: training falls back to the wasm and cpu backends.');
    return strict ? 1 : 0;
  }
}

process.exitCode = await main();
