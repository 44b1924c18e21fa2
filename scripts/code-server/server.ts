/**
 * Start and stop a throwaway code-server on 127.0.0.1 for one test run.
 *
 * The server runs in its own process group (`detached`, i.e. setsid): every window leaves an
 * extension host and a file watcher behind that outlive the top process, so stopping kills the
 * whole group. A process 'exit' hook does the same when the caller dies on an error.
 *
 *   npx tsx scripts/code-server/server.ts start [folder]   prints "READY <url> <pgid> <stateDir>"
 *   npx tsx scripts/code-server/server.ts stop <stateDir>
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerEntry, codeServerHome } from './paths';

export interface CodeServerOptions {
  /** Folder the server opens by default (the tests pass the folder in the URL anyway). */
  readonly folder?: string;
  /** State folder (user data, extensions, logs, sockets); a new short temp folder by default.
   * Keep it short: unix socket paths inside it are limited to about 107 characters. */
  readonly stateDir?: string;
  /** Port on 127.0.0.1; a free one by default. */
  readonly port?: number;
  /** Extra environment for the server; the extension host and the trainer inherit it. */
  readonly env?: Readonly<Record<string, string>>;
  /** User settings written to settings.json before the first start, merged over the quiet defaults. */
  readonly userSettings?: Readonly<Record<string, unknown>>;
  readonly home?: string;
  /** Do not kill the server when this process exits (the CLI's `start`). */
  readonly leaveRunning?: boolean;
  /**
   * Workspace trust as a user meets it: without `--disable-workspace-trust` and with
   * `security.workspace.trust.enabled` on, a folder opens in Restricted Mode until it is trusted.
   * Off by default: every other test trusts its folder.
   */
  readonly workspaceTrust?: boolean;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  /** Process id of the server, which is also its process group id. */
  readonly pgid: number;
  readonly stateDir: string;
  readonly logFile: string;
  readonly startupMs: number;
  /** Kills the whole process group (SIGTERM, then SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and offline: no telemetry, walkthroughs or update checks. */
export const QUIET_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.autofetch': false,
  'git.enabled': false,
};

/**
 * The environment every code-server process of a test gets: an empty gallery (the workbench makes
 * no marketplace requests at all), and temp files and XDG folders inside its state folder (extension
 * hosts leave vscode-ipc-*.sock files in TMPDIR).
 */
export function codeServerEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    EXTENSIONS_GALLERY: '{}',
    TMPDIR: join(stateDir, 'tmp'),
    XDG_DATA_HOME: join(stateDir, 'xdg-data'),
    XDG_CONFIG_HOME: join(stateDir, 'xdg-config'),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'manual' });
    await res.arrayBuffer();
    return res.status < 400;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a process group: SIGTERM, then SIGKILL if anything is left after `graceMs`. */
export async function killGroup(pgid: number, graceMs = 5000): Promise<void> {
  try { process.kill(-pgid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const home = opts.home ?? codeServerHome();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'cnncs-'));
  for (const d of ['data/User', 'exts', 'xdg-data', 'xdg-config', 'tmp']) mkdirSync(join(stateDir, d), { recursive: true });
  writeFileSync(join(stateDir, 'data', 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_USER_SETTINGS, ...(opts.workspaceTrust === true ? { 'security.workspace.trust.enabled': true } : {}), ...opts.userSettings }, null, 2)}\n`);
  const port = opts.port ?? await freePort();
  // --config keeps code-server from writing ~/.config/code-server/config.yaml.
  writeFileSync(join(stateDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(stateDir, 'server.log');
  const out = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, [
    codeServerEntry(home),
    '--config', join(stateDir, 'config.yaml'), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', ...(opts.workspaceTrust === true ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--disable-proxy',
    '--user-data-dir', join(stateDir, 'data'), '--extensions-dir', join(stateDir, 'exts'),
    ...(opts.folder !== undefined ? [opts.folder] : []),
  ], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...codeServerEnv(stateDir), ...opts.env },
  });
  closeSync(out);
  // Without a listener a failed spawn would be an uncaught 'error' event instead of the throw below.
  child.on('error', (err) => { process.stderr.write(`[code-server] ${err.message}\n`); });
  const pgid = child.pid;
  if (pgid === undefined) {
    if (opts.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`could not spawn code-server (${process.execPath} ${codeServerEntry(home)})`);
  }
  child.unref();
  writeFileSync(join(stateDir, 'server.pid'), String(pgid));
  // Last resort: never leave a server behind when the caller crashes.
  const onExit = (): void => { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } };
  if (opts.leaveRunning !== true) process.on('exit', onExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await killGroup(pgid);
    process.removeListener('exit', onExit);
  };
  const url = `http://127.0.0.1:${port}/`;
  // An object, so the narrowing of `null` at declaration does not hide the 'exit' handler's write.
  const exited: { code: number | null } = { code: null };
  child.on('exit', (code) => { exited.code = code ?? -1; });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited.code !== null) {
      await stop();
      throw new Error(`code-server exited with ${exited.code} during start-up:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
    }
    if (await httpOk(`${url}healthz`)) {
      // The first page request makes code-server load VS Code's server; count it in "ready".
      await httpOk(`${url}?folder=${encodeURIComponent(opts.folder ?? tmpdir())}`);
      return { url, port, pgid, stateDir, logFile, startupMs: Date.now() - started, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`code-server did not answer /healthz within 60 s:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
}

async function cli(argv: readonly string[]): Promise<void> {
  const [cmd, arg] = argv;
  if (cmd === 'start') {
    const s = await startCodeServer({ leaveRunning: true, ...(arg !== undefined ? { folder: arg } : {}) });
    process.stdout.write(`READY ${s.url} ${s.pgid} ${s.stateDir}\n`);
  } else if (cmd === 'stop' && arg !== undefined) {
    const pgid = Number(readFileSync(join(arg, 'server.pid'), 'utf8'));
    await killGroup(pgid);
    rmSync(arg, { recursive: true, force: true });
  } else {
    process.stderr.write('usage: server.ts start [folder] | stop <stateDir>\n');
    process.exitCode = 2;
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
