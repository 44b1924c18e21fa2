// What `scripts/test.mjs` (npm test) needs to run a layer so that it can never hang: the layer's
// command in its own process group with a time limit, after which (or on Ctrl-C) the whole tree is
// killed; and the system packages a layer needs, checked before it starts.
//
// The tree is found two ways. The command is spawned detached (its pid is the process group id),
// so one kill reaches everything that stayed in the group. Some children leave the group on
// purpose (code-server and Playwright's Chromium are spawned detached too): they still inherit the
// layer's environment, so every process whose /proc/<pid>/environ carries this layer's token is
// part of the tree as well.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, readdirSync } from 'node:fs';

/** The environment variable whose value marks every process of one layer run. */
export const TOKEN_VAR = 'CNN_LAB_LAYER_TOKEN';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function groupAlive(pgid) {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

/** Processes (other than this one) whose environment carries `TOKEN_VAR=token`: [{ pid, comm }]. */
export function processesWithToken(token) {
  const needle = `${TOKEN_VAR}=${token}`;
  const found = [];
  let entries = [];
  try { entries = readdirSync('/proc'); } catch { return found; }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let env;
    try { env = readFileSync(`/proc/${e}/environ`, 'latin1'); } catch { continue; }
    if (!env.split('\0').includes(needle)) continue;
    let comm = '?';
    try { comm = readFileSync(`/proc/${e}/comm`, 'latin1').trim(); } catch { /* gone */ }
    // A zombie has nothing left to kill; its parent reaps it.
    try { if (/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${e}/stat`, 'latin1'))) continue; } catch { continue; }
    found.push({ pid: Number(e), comm });
  }
  return found;
}

/**
 * Kills a layer's tree: SIGTERM to the group (the layer's own runners stop their servers and
 * browsers on it), SIGKILL to the group after `graceMs`, then SIGKILL to every process still
 * carrying the token. Returns the processes found by the token sweep.
 */
export async function killTree(pgid, token, graceMs = 10_000) {
  if (pgid !== undefined && groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && groupAlive(pgid)) await sleep(100);
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
  }
  return sweep(token, graceMs);
}

/** SIGTERM then (after `graceMs`) SIGKILL to every process carrying the token; returns those found. */
async function sweep(token, graceMs) {
  const strays = processesWithToken(token);
  if (strays.length === 0) return strays;
  for (const p of strays) { try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + Math.min(graceMs, 5000);
  while (Date.now() < deadline && processesWithToken(token).length > 0) await sleep(100);
  for (const p of processesWithToken(token)) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
  return strays;
}

const fmtMin = (min) => `${Number(min.toFixed(2))} min`;

/**
 * Runs `cmd` (argv array) in its own process group, streaming its output to ours and collecting it.
 * Resolves (never rejects) with { code, signal, out, timedOut, interrupted, strays, seconds }:
 * - after `timeoutMs` the tree is killed (killTree) and `timedOut` is true, code 124;
 * - when `signal` (an AbortSignal) aborts, likewise with `interrupted` true, code 130;
 * - when the command exits by itself, anything of its tree still running is killed and listed in
 *   `strays` (a leaked server or browser), so that nothing outlives the layer.
 * Options: env (merged over process.env), timeoutMs, graceMs (10 s), signal, name (for messages),
 * log (a line sink, default stderr), quiet (do not echo the output).
 */
export function runWithTimeout(cmd, opts = {}) {
  const { env = {}, timeoutMs = Infinity, graceMs = 10_000, signal, name = cmd.join(' '), quiet = false } = opts;
  const log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const t0 = Date.now();
  return new Promise((resolve) => {
    let out = '';
    let timedOut = false;
    let interrupted = false;
    let killing;
    let child;
    try {
      child = spawn(cmd[0], cmd.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env, [TOKEN_VAR]: token },
      });
    } catch (err) {
      resolve({ code: 127, signal: null, out: String(err), timedOut, interrupted, strays: [], seconds: 0 });
      return;
    }
    const take = (stream, sink) => stream.on('data', (d) => { out += d; if (!quiet) sink.write(d); });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    const kill = () => { killing ??= killTree(child.pid, token, graceMs); return killing; };
    const limitMin = timeoutMs / 60_000;
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => {
      timedOut = true;
      log(`!! ${name} timed out after ${fmtMin(limitMin)}: killing its process tree (SIGTERM, then SIGKILL after ${graceMs / 1000} s)`);
      void kill();
    }, timeoutMs) : undefined;
    const onAbort = () => { interrupted = true; void kill(); };
    if (signal?.aborted) onAbort(); else signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError;
    child.on('error', (err) => { spawnError = err; });
    let exited = false;
    const finish = async (code, sig) => {
      if (exited) return;
      exited = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Whatever the command left behind (in its group or carrying its token) goes now.
      const strays = killing ? [] : processesWithToken(token);
      await (killing ?? killTree(child.pid, token, graceMs));
      // Output still buffered in the pipes: wait for them to drain, but not for ever.
      if (!child.stdout.closed || !child.stderr.closed) {
        await Promise.race([new Promise((r) => child.on('close', r)), sleep(3000)]);
        child.stdout.destroy(); child.stderr.destroy();
      }
      if (spawnError !== undefined) out += `${cmd[0]}: ${spawnError.message}\n`;
      const status = timedOut ? 124 : interrupted ? 130 : spawnError !== undefined ? 127 : code ?? (sig ? 1 : 0);
      resolve({ code: status, signal: sig, out, timedOut, interrupted, strays, seconds: (Date.now() - t0) / 1000 });
    };
    child.on('exit', (code, sig) => { void finish(code, sig); });
    child.on('error', () => { if (child.pid === undefined) void finish(127, null); });
  });
}

/**
 * Per-layer limits in minutes: `defaults` overridden by `CNN_LAB_LAYER_TIMEOUT_MIN`, which is either
 * one number for every layer ("0.5") or comma-separated `layer=minutes` pairs ("webview=2,e2e=30"),
 * or both ("5,e2e=30"). Throws on anything else, so that a typo does not silently mean "no limit".
 */
export function layerTimeouts(defaults, envValue = process.env.CNN_LAB_LAYER_TIMEOUT_MIN) {
  const limits = { ...defaults };
  if (envValue === undefined || envValue.trim() === '') return limits;
  for (const part of envValue.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:([\w-]+)=)?(\d+(?:\.\d+)?|\.\d+)$/.exec(part);
    if (!m || !(Number(m[2]) > 0)) throw new Error(`CNN_LAB_LAYER_TIMEOUT_MIN: "${part}" is not minutes > 0 or layer=minutes`);
    if (m[1] === undefined) for (const k of Object.keys(limits)) limits[k] = Number(m[2]);
    else limits[m[1]] = Number(m[2]);
  }
  return limits;
}

// --- System packages ------------------------------------------------------------------------------

/** The browser the webview harness and the code-server browser drive. */
export function chromiumPath(env = process.env) {
  return env.CNN_LAB_CHROMIUM || env.CHROMIUM || '/usr/bin/chromium';
}

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

function executable(p) {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

/**
 * What each kind of need checks: `missing()` returns the Debian packages to install (empty when
 * satisfied), or `{ cannot: reason }` when installing would not help (a CNN_LAB_CHROMIUM that names
 * a file that is not there). `hard` needs fail the layer; soft ones only print what will be skipped.
 */
export const NEEDS = {
  chromium: {
    hard: true,
    what: 'headless Chromium and a font',
    missing(env = process.env) {
      const p = chromiumPath(env);
      const pkgs = [];
      if (env.CNN_LAB_CHROMIUM || env.CHROMIUM) {
        if (!executable(p)) return { cannot: `${env.CNN_LAB_CHROMIUM ? 'CNN_LAB_CHROMIUM' : 'CHROMIUM'}=${p} is not an executable file` };
      } else if (!executable(p)) pkgs.push('chromium');
      if (!existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')) pkgs.push('fonts-dejavu-core');
      return pkgs;
    },
  },
  'fashion-mnist': {
    hard: false,
    what: `Fashion-MNIST in ${FASHION_MNIST_DIR}`,
    skipped: 'the Fashion-MNIST tests are skipped',
    missing() {
      return FASHION_MNIST_FILES.every((f) => existsSync(`${FASHION_MNIST_DIR}/${f}`)) ? [] : ['dataset-fashion-mnist'];
    },
  },
};

/** How packages can be installed here without asking: [] as root, ['sudo', '-n'] with passwordless sudo, else null. */
export function installPrefix() {
  if (typeof process.getuid === 'function' && process.getuid() === 0) return [];
  const r = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0 ? ['sudo', '-n'] : null;
}

/**
 * Makes sure the layer's `needs` are met, installing missing Debian packages when that needs no
 * password (root or `sudo -n`), within `timeoutMs`. Resolves with { ok, lines }: `lines` are what to
 * print (the first one says what is missing and which command installs it); `ok` is false when a
 * hard need is still unmet.
 */
export async function ensureNeeds(layer, needs, opts = {}) {
  const { env = process.env, timeoutMs = 10 * 60_000, install = true, prefix = installPrefix } = opts;
  const lines = [];
  let ok = true;
  const toInstall = new Set();
  const unmet = [];
  const missingBy = {};
  for (const n of needs) {
    const need = NEEDS[n];
    if (need === undefined) throw new Error(`unknown need ${n}`);
    const m = need.missing(env);
    if (!Array.isArray(m)) {
      if (need.hard) ok = false;
      lines.push(`!! ${layer} needs ${need.what}: ${m.cannot}. Unset it to use Debian's chromium (bash scripts/system-deps.sh installs it), or point it at a Chromium binary.`);
      continue;
    }
    if (m.length > 0) { unmet.push(n); missingBy[n] = m; for (const p of m) toInstall.add(p); }
  }
  if (toInstall.size === 0) return { ok, lines };
  const pkgs = [...toInstall];
  const how = `bash scripts/system-deps.sh  (or: sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')})`;
  const pre = install ? prefix() : null;
  if (pre !== null) {
    process.stderr.write(`[${layer}] installing Debian packages ${pkgs.join(' ')} (${unmet.map((n) => NEEDS[n].what).join(', ')})\n`);
    const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
    const apt = ['apt-get', '-o', 'DPkg::Lock::Timeout=120'];
    let r = await runWithTimeout([...pre, ...apt, 'update', '-qq'], { env: aptEnv, timeoutMs, name: `${layer}: apt-get update` });
    if (r.code === 0) {
      r = await runWithTimeout([...pre, ...apt, 'install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env: aptEnv, timeoutMs, name: `${layer}: apt-get install` });
    }
    const still = unmet.filter((n) => { const m = NEEDS[n].missing(env); return !Array.isArray(m) || m.length > 0; });
    if (still.length === 0) return { ok, lines };
    for (const n of still) {
      if (NEEDS[n].hard) ok = false;
      lines.push(`${NEEDS[n].hard ? '!!' : 'note:'} ${layer} needs ${NEEDS[n].what}: still missing after \`apt-get install ${pkgs.join(' ')}\` (exit ${r.code})${NEEDS[n].hard ? '' : `; ${NEEDS[n].skipped}`}. Run: ${how}`);
    }
    return { ok, lines };
  }
  for (const n of unmet) {
    const need = NEEDS[n];
    if (need.hard) ok = false;
    lines.push(`${need.hard ? '!!' : 'note:'} ${layer} needs ${need.what}: Debian package${missingBy[n].length > 1 ? 's' : ''} ${missingBy[n].join(' ')} not installed${need.hard ? '' : ` (${need.skipped})`}. Run: ${how}`);
  }
  return { ok, lines };
}
