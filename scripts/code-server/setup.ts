/**
 * Cached, idempotent install of code-server (VS Code 1.96.4 server + web workbench + Node extension
 * host) for the integration and end-to-end tests, from the npm registry and Debian packages only.
 *
 *   npx tsx scripts/code-server/setup.ts          (npm run setup:code-server)
 *
 * Why each step is the way it is:
 * - `npm install --ignore-scripts`: code-server's postinstall runs a plain `npm install` in
 *   lib/vscode, which dies on a `git+ssh://github.com/...` pin of `@vscode/proxy-agent`. The
 *   registry tarball of that version is byte-identical, so the shrinkwrap is pointed at it and
 *   the postinstall steps are done by hand.
 * - `npm rebuild` builds the native addons (argon2, node-pty, spdlog, kerberos, ...) from source:
 *   their prebuilt-binary downloads come from GitHub, which is not reachable.
 * - `@vscode/ripgrep`'s postinstall downloads rg from GitHub; it skips the download when its
 *   `bin/` folder exists, so Debian's rg is copied there first.
 * The install goes to a staging folder and is renamed into place only when complete; the marker
 * file (code-server version + Node ABI) makes a second run a no-op.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CODE_SERVER_VERSION, DEBIAN_PACKAGES, cacheRoot, codeServerEntry, codeServerHome, expectedMarker, installMarker,
  type InstallMarker,
} from './paths';

const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=warn'];

function log(msg: string): void {
  process.stderr.write(`[setup:code-server] ${msg}\n`);
}

function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${String(opts.cwd ?? process.cwd())}) exited with ${String(r.status ?? r.signal)}`);
}

function capture(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${String(r.status ?? r.signal)}: ${String(r.stderr)}`);
  return String(r.stdout).trim();
}

/** Debian packages from DEBIAN_PACKAGES that dpkg does not report as installed. */
export function missingDebianPackages(): string[] {
  return DEBIAN_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !String(r.stdout).includes('install ok installed');
  });
}

function ensureDebianPackages(): void {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = isRoot ? [] : ['sudo', '-n'];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    const [c0, ...rest] = [...sudo, 'apt-get', 'update', '-qq'];
    run(c0 ?? 'apt-get', rest, { env });
    const [c1, ...rest1] = [...sudo, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing];
    run(c1 ?? 'apt-get', rest1, { env });
  } catch (err) {
    throw new Error(`could not install ${missing.join(' ')} (${(err as Error).message}). Run as root: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
}

function readMarker(home: string): InstallMarker | null {
  try {
    return JSON.parse(readFileSync(installMarker(home), 'utf8')) as InstallMarker;
  } catch {
    return null;
  }
}

/** True when `home` holds a complete install for this code-server version and Node ABI. */
export function isInstalled(home = codeServerHome()): boolean {
  const m = readMarker(home);
  const want = expectedMarker();
  return m !== null && m.codeServer === want.codeServer && m.nodeAbi === want.nodeAbi && m.platform === want.platform
    && existsSync(codeServerEntry(home));
}

/** Points every `git+...` entry of lib/vscode's shrinkwrap at the registry tarball of the same version. */
function unpinGitDependencies(vscodeDir: string): void {
  const file = join(vscodeDir, 'npm-shrinkwrap.json');
  const shrinkwrap = JSON.parse(readFileSync(file, 'utf8')) as { packages?: Record<string, { version?: string; resolved?: string; integrity?: string }> };
  let changed = 0;
  for (const [key, entry] of Object.entries(shrinkwrap.packages ?? {})) {
    if (entry.resolved === undefined || !/^git(\+|:)/.test(entry.resolved) || entry.version === undefined) continue;
    const name = key.replace(/^.*node_modules\//, '');
    entry.resolved = capture('npm', ['view', `${name}@${entry.version}`, 'dist.tarball']);
    entry.integrity = capture('npm', ['view', `${name}@${entry.version}`, 'dist.integrity']);
    log(`shrinkwrap: ${name}@${entry.version} -> ${entry.resolved}`);
    changed++;
  }
  if (changed > 0) writeFileSync(file, `${JSON.stringify(shrinkwrap, null, 2)}\n`);
}

function symlinkForce(target: string, path: string): void {
  try {
    lstatSync(path);
    rmSync(path, { force: true, recursive: false });
  } catch {
    // absent
  }
  symlinkSync(target, path);
}

function installInto(prefix: string): void {
  const env = { ...process.env, JOBS: String(Math.max(1, Number(process.env.JOBS ?? 0) || 2)), npm_config_yes: 'true' };
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), `${JSON.stringify({ name: 'cnn-lab-code-server', private: true }, null, 2)}\n`);
  run('npm', ['install', '--ignore-scripts', '--save-exact', ...NPM_FLAGS, `code-server@${CODE_SERVER_VERSION}`], { cwd: prefix, env });
  run('npm', ['rebuild', 'argon2', ...NPM_FLAGS], { cwd: prefix, env });
  const vscodeDir = join(prefix, 'node_modules', 'code-server', 'lib', 'vscode');
  unpinGitDependencies(vscodeDir);
  run('npm', ['install', '--omit=dev', '--ignore-scripts', ...NPM_FLAGS], { cwd: vscodeDir, env });
  const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  cpSync(capture('sh', ['-c', 'command -v rg']), join(rgDir, 'rg'));
  run('npm', ['rebuild', ...NPM_FLAGS], { cwd: vscodeDir, env });
  // The links code-server's own postinstall.sh would have made.
  symlinkForce('node_modules', join(vscodeDir, 'node_modules.asar'));
  symlinkForce('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  symlinkForce('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));
  // Shared dependencies of the built-in extensions (typescript for the TS/JS features).
  run('npm', ['install', '--omit=dev', ...NPM_FLAGS], { cwd: join(vscodeDir, 'extensions'), env });
  // Every native module must load under this Node, or the server fails later in obscure ways.
  run(process.execPath, ['-e', [
    'for (const m of ["node-pty", "@vscode/spdlog", "native-watchdog", "kerberos", "@parcel/watcher", "@vscode/deviceid"]) require(m);',
  ].join('\n')], { cwd: vscodeDir });
  run(process.execPath, ['-e', 'require("argon2")'], { cwd: prefix });
  run(join(rgDir, 'rg'), ['--version'], { stdio: 'ignore' });
}

/** Takes a lock folder so that two set-ups (two test runs) do not install at once. */
function withLock<T>(fn: () => T): T {
  const lock = join(cacheRoot(), 'code-server.lock');
  mkdirSync(cacheRoot(), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = NaN;
      try { holder = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = false;
      if (Number.isInteger(holder)) { try { process.kill(holder, 0); alive = true; } catch { alive = false; } }
      if (Number.isInteger(holder) && !alive) { rmSync(lock, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${holder})`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface SetupResult {
  readonly home: string;
  readonly installed: boolean;
  readonly seconds: number;
}

/** Makes sure Debian packages and code-server are installed; cheap when they already are. */
export function ensureCodeServer(): SetupResult {
  const started = Date.now();
  const home = codeServerHome();
  ensureDebianPackages();
  if (isInstalled(home)) return { home, installed: false, seconds: (Date.now() - started) / 1000 };
  return withLock(() => {
    if (isInstalled(home)) return { home, installed: false, seconds: (Date.now() - started) / 1000 };
    const staging = `${home}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    log(`installing code-server ${CODE_SERVER_VERSION} into ${home} (native addons are built from source; about a minute)`);
    try {
      installInto(staging);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    const seconds = (Date.now() - started) / 1000;
    const marker: InstallMarker = { ...expectedMarker(), installedAt: new Date().toISOString(), seconds };
    writeFileSync(installMarker(staging), `${JSON.stringify(marker, null, 2)}\n`);
    rmSync(home, { recursive: true, force: true });
    mkdirSync(dirname(home), { recursive: true });
    renameSync(staging, home);
    log(`installed in ${seconds.toFixed(0)} s`);
    return { home, installed: true, seconds };
  });
}

if (require.main === module) {
  try {
    const r = ensureCodeServer();
    const du = spawnSync('du', ['-sh', r.home], { encoding: 'utf8' });
    log(`${r.installed ? 'installed' : 'already installed'}: ${r.home} (${String(du.stdout).split('\t')[0] ?? '?'}; ${r.seconds.toFixed(1)} s)`);
  } catch (err) {
    log(`FAILED: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
