/**
 * First-use set-up of the native TensorFlow backend for an installed extension (no npm, compiler
 * or Python on the user's machine): the VSIX ships the tfjs-node addon, and the two libtensorflow
 * libraries it links come from TensorFlow's PyPI wheel, unpacked next to it in the layout its
 * RUNPATH expects (`lib/napi-v8/tfjs_binding.node` → `$ORIGIN/../../deps/lib`):
 *
 *   <home>/tfjs-node-4.22.0-tf-2.21.0-napi-v8-linux-x64/
 *     lib/napi-v8/tfjs_binding.node   deps/lib/libtensorflow_cc.so.2   deps/lib/libtensorflow_framework.so.2
 *     ready.json                      versions, wheel hash, file sizes, source, time
 *   <home>/failed.json                the last failure's reason (cleared by a success)
 *
 * Lock → resolve → download → extract → check in a child process → ready.json → rename into place.
 * Pure Node (no vscode): the extension passes its global storage, the CLI a cache folder.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { download, isCancelled, redact } from './http';
import { DEFAULT_INDEX, resolveWheel } from './pypi';
import { extractMembers } from './zip';

export const NATIVE_TARGET = {
  tfjsNode: '4.22.0',
  tensorflow: '2.21.0',
  project: 'tensorflow-cpu',
  napi: 8,
  platform: 'linux-x64',
  platformTag: 'manylinux_2_27_x86_64',
  pythonTag: 'cp311',
} as const;

/** The libraries taken from the wheel (its `tensorflow/` folder) into `deps/lib/`. */
const NATIVE_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

export interface NativeInstall {
  readonly dir: string;
  readonly addon: string;
  readonly libDir: string;
  readonly tensorflow: string;
  readonly setUpAt: string;
  /** `wheel <url>` or `shared cache <dir>`. */
  readonly source: string;
  readonly bytes: number;
}

export type NativeState =
  | { status: 'ready'; install: NativeInstall }
  | { status: 'missing'; reason: string }
  | { status: 'failed'; reason: string; at: string }
  | { status: 'unsupported'; reason: string };

export interface SetupProgress {
  step: 'resolve' | 'download' | 'extract' | 'check';
  message: string;
  bytes?: number;
  totalBytes?: number;
}

export interface SetupOptions {
  /** Where installs live (the extension: globalStorage/native; the CLI: ~/.cache/cnn-lab/native-runtime). */
  home: string;
  /** The tfjs_binding.node shipped in the VSIX (or built in the checkout). */
  addonSource: string;
  /** Default https://pypi.org; a URL ending in /simple is read as a PEP 503/691 index. */
  indexUrl?: string;
  proxy?: string;
  strictSSL?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SetupProgress) => void;
  /** A folder like ~/.cache/cnn-lab/native where scripts/provision-native.mjs staged libtensorflow-<tf>-linux-x64/{lib, staged.json}. */
  sharedCache?: string;
  /** Loads the install in a child process; rejects with the reason. */
  check: (install: NativeInstall) => Promise<{ tensorflow: string }>;
  /** Proxy environment (HTTPS_PROXY, NO_PROXY) for the downloads; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How often a waiting set-up looks at another's lock; default 500 ms. */
  lockPollMs?: number;
}

/** What ready.json records. */
interface ReadyRecord {
  readonly tfjsNode: string;
  readonly tensorflow: string;
  readonly napi: number;
  readonly platform: string;
  readonly source: string;
  readonly setUpAt: string;
  readonly wheel?: { readonly filename: string; readonly url: string; readonly sha256: string };
  /** Relative path → size in bytes. */
  readonly files: Readonly<Record<string, number>>;
  readonly bytes: number;
}

const ADDON_REL = path.join('lib', `napi-v${NATIVE_TARGET.napi}`, 'tfjs_binding.node');
const LIB_REL = path.join('deps', 'lib');
const READY = 'ready.json';
const FAILED = 'failed.json';
/** Room the install needs besides the wheel: the unpacked, unstripped libraries (853 MB for 2.21.0) with a margin. */
const UNPACKED_BYTES = 950 * 1024 * 1024;
const STALE_LOCK_MS = 120_000;
const HEARTBEAT_MS = 10_000;

export function nativeInstallDir(home: string): string {
  const t = NATIVE_TARGET;
  return path.join(home, `tfjs-node-${t.tfjsNode}-tf-${t.tensorflow}-napi-v${t.napi}-${t.platform}`);
}

function supportedHere(): string | undefined {
  return process.platform === 'linux' && process.arch === 'x64'
    ? undefined
    : `the native TensorFlow backend is set up for Linux x64 only (this is ${process.platform}-${process.arch}); training uses the wasm backend`;
}

async function readJson(p: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.promises.readFile(p, 'utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function installFrom(dir: string, r: ReadyRecord): NativeInstall {
  return { dir, addon: path.join(dir, ADDON_REL), libDir: path.join(dir, LIB_REL), tensorflow: r.tensorflow, setUpAt: r.setUpAt, source: r.source, bytes: r.bytes };
}

/** A complete install in `dir`, or why not. Cheap: ready.json and a stat per file. */
async function readyIn(dir: string): Promise<{ install: NativeInstall } | { reason: string }> {
  const raw = await readJson(path.join(dir, READY));
  if (!isRecord(raw) || !isRecord(raw.files)) return { reason: 'the native TensorFlow backend is not set up yet' };
  const t = NATIVE_TARGET;
  if (raw.tfjsNode !== t.tfjsNode || raw.tensorflow !== t.tensorflow || raw.napi !== t.napi || raw.platform !== t.platform) {
    return { reason: `the install in ${dir} is for other versions` };
  }
  for (const [rel, size] of Object.entries(raw.files)) {
    const st = await fs.promises.stat(path.join(dir, rel)).catch(() => undefined);
    if (!st) return { reason: `${rel} is missing from ${dir}` };
    if (st.size !== size) return { reason: `${rel} in ${dir} changed size (${st.size} bytes, set up with ${String(size)})` };
  }
  for (const rel of [ADDON_REL, ...NATIVE_LIBS.map((l) => path.join(LIB_REL, l))]) {
    if (!(rel in raw.files)) return { reason: `ready.json in ${dir} does not record ${rel}` };
  }
  return { install: installFrom(dir, raw as unknown as ReadyRecord) };
}

export async function nativeState(home: string): Promise<NativeState> {
  const unsupported = supportedHere();
  if (unsupported) return { status: 'unsupported', reason: unsupported };
  const ready = await readyIn(nativeInstallDir(home));
  if ('install' in ready) return { status: 'ready', install: ready.install };
  const failed = await readJson(path.join(home, FAILED));
  if (isRecord(failed) && typeof failed.reason === 'string' && typeof failed.at === 'string') {
    return { status: 'failed', reason: failed.reason, at: failed.at };
  }
  return { status: 'missing', reason: ready.reason };
}

// ------------------------------------------------------------------------------------ lock

function cancelled(): CnnLabError {
  return new CnnLabError('E_CANCELLED', 'setting up the native TensorFlow backend was cancelled');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(cancelled()); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(cancelled()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `p`, or E_CANCELLED as soon as the signal aborts (the probe child then dies at its own timeout). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    if (signal.aborted) { onAbort(); return; }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock folder `<home>/.lock` holding the owner's pid, its mtime refreshed while held: a lock whose
 * owner is gone, or that nobody refreshed for two minutes, is stale and taken over.
 */
async function withLock<T>(home: string, opts: { signal?: AbortSignal; pollMs: number; onWait: (pid: number) => void }, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(home, '.lock');
  let announced = false;
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    try {
      await fs.promises.mkdir(lock);
      await fs.promises.writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number((await fs.promises.readFile(path.join(lock, 'pid'), 'utf8').catch(() => '')).trim());
    const st = await fs.promises.stat(lock).catch(() => undefined);
    const age = st ? Date.now() - st.mtimeMs : 0;
    if (st && ((!pidAlive(holder) && age > 2_000) || age > STALE_LOCK_MS)) {
      await fs.promises.rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!announced) { announced = true; opts.onWait(holder); }
    await sleep(opts.pollMs, opts.signal);
  }
  const beat = setInterval(() => { const now = new Date(); fs.promises.utimes(lock, now, now).catch(() => undefined); }, HEARTBEAT_MS);
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    await fs.promises.rm(lock, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------ set-up

function typed(e: unknown): CnnLabError {
  if (e instanceof CnnLabError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && (e as NodeJS.ErrnoException).syscall) {
    return new CnnLabError('E_IO', msg, 'free disk space or check the folder permissions, then try again');
  }
  return new CnnLabError('E_INTERNAL', msg);
}

/** Hard link (no extra disk), or a copy across file systems. */
async function linkOrCopy(src: string, dst: string): Promise<void> {
  await fs.promises.rm(dst, { force: true });
  try {
    await fs.promises.link(src, dst);
  } catch {
    await fs.promises.copyFile(src, `${dst}.part`);
    await fs.promises.rename(`${dst}.part`, dst);
  }
}

/** The staged libraries in a provision-native cache, when complete for this TensorFlow version. */
async function sharedLibs(sharedCache: string): Promise<string | undefined> {
  const dir = path.join(sharedCache, `libtensorflow-${NATIVE_TARGET.tensorflow}-${NATIVE_TARGET.platform}`);
  const staged = await readJson(path.join(dir, 'staged.json'));
  if (!isRecord(staged) || staged.tf !== NATIVE_TARGET.tensorflow) return undefined;
  for (const l of NATIVE_LIBS) {
    const st = await fs.promises.stat(path.join(dir, 'lib', l)).catch(() => undefined);
    if (!st?.isFile() || st.size === 0) return undefined;
  }
  return path.join(dir, 'lib');
}

async function freeBytes(dir: string): Promise<number | undefined> {
  const statfs = (fs.promises as unknown as { statfs?: (p: string) => Promise<{ bavail: number; bsize: number }> }).statfs;
  if (!statfs) return undefined;
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

const mb = (b: number): string => `${Math.round(b / 1024 / 1024)} MB`;

/** Removes leftovers of set-ups whose process is gone (`<dir>.tmp-<pid>`, `downloads/*.part`). */
async function sweep(home: string, dir: string): Promise<void> {
  const base = path.basename(dir);
  for (const name of await fs.promises.readdir(home).catch(() => [] as string[])) {
    const m = new RegExp(`^${base.replace(/[.]/g, '\\.')}\\.tmp-(\\d+)$`).exec(name);
    if (m && (Number(m[1]) === process.pid || !pidAlive(Number(m[1])))) await fs.promises.rm(path.join(home, name), { recursive: true, force: true });
  }
  const downloads = path.join(home, 'downloads');
  for (const name of await fs.promises.readdir(downloads).catch(() => [] as string[])) {
    await fs.promises.rm(path.join(downloads, name), { recursive: true, force: true });
  }
}

/**
 * Sets up (or finds) the native install. Serialised across processes by a lock; a second caller
 * waits and then returns the first one's install. On failure nothing is left but `failed.json`
 * (none on cancellation, which throws E_CANCELLED).
 */
export async function setUpNative(opts: SetupOptions): Promise<NativeInstall> {
  const unsupported = supportedHere();
  if (unsupported) throw new CnnLabError('E_BACKEND_UNAVAILABLE', unsupported);
  const progress = (p: SetupProgress): void => { try { opts.onProgress?.(p); } catch { /* a listener's problem is not ours */ } };
  const home = path.resolve(opts.home);
  const dir = nativeInstallDir(home);
  await fs.promises.mkdir(home, { recursive: true });
  return withLock(home, {
    signal: opts.signal,
    pollMs: opts.lockPollMs ?? 500,
    onWait: (pid) => progress({ step: 'resolve', message: `waiting for another window (pid ${pid}) that is setting up the native backend` }),
  }, async () => {
    const before = await readyIn(dir);
    if ('install' in before) return before.install;
    const tmp = `${dir}.tmp-${process.pid}`;
    const downloads = path.join(home, 'downloads');
    let wheelPath: string | undefined;
    try {
      await sweep(home, dir);
      const addonStat = await fs.promises.stat(opts.addonSource).catch(() => undefined);
      if (!addonStat?.isFile()) {
        throw new CnnLabError('E_BACKEND_UNAVAILABLE', `the native addon ${opts.addonSource} is missing`, 'reinstall CNN Lab; training uses the wasm backend meanwhile');
      }
      await fs.promises.mkdir(path.join(tmp, LIB_REL), { recursive: true });
      await fs.promises.mkdir(path.dirname(path.join(tmp, ADDON_REL)), { recursive: true });
      const libTargets = Object.fromEntries(NATIVE_LIBS.map((l) => [`tensorflow/${l}`, path.join(tmp, LIB_REL, l)]));
      let source: string;
      let wheel: ReadyRecord['wheel'];
      const shared = opts.sharedCache ? await sharedLibs(opts.sharedCache) : undefined;
      if (shared) {
        source = `shared cache ${path.dirname(shared)}`;
        progress({ step: 'extract', message: `linking libtensorflow ${NATIVE_TARGET.tensorflow} from ${path.dirname(shared)}` });
        for (const l of NATIVE_LIBS) await linkOrCopy(path.join(shared, l), path.join(tmp, LIB_REL, l));
      } else {
        const indexUrl = opts.indexUrl || DEFAULT_INDEX;
        progress({ step: 'resolve', message: `looking up ${NATIVE_TARGET.project} ${NATIVE_TARGET.tensorflow} on ${redact(indexUrl)}` });
        const found = await resolveWheel({
          indexUrl, project: NATIVE_TARGET.project, version: NATIVE_TARGET.tensorflow, platformTag: NATIVE_TARGET.platformTag,
          pythonTag: NATIVE_TARGET.pythonTag, proxy: opts.proxy, strictSSL: opts.strictSSL, signal: opts.signal, env: opts.env,
        });
        const free = await freeBytes(home);
        const need = (found.size ?? 300 * 1024 * 1024) + UNPACKED_BYTES;
        if (free !== undefined && free < need) {
          throw new CnnLabError('E_IO', `not enough disk space in ${home}: ${mb(free)} free, about ${mb(need)} needed`, 'free some disk space, then set up the native backend again');
        }
        await fs.promises.mkdir(downloads, { recursive: true });
        wheelPath = path.join(downloads, path.basename(found.filename));
        const sizeText = found.size !== undefined ? ` (${mb(found.size)})` : '';
        progress({ step: 'download', message: `downloading ${found.filename}${sizeText}`, bytes: 0, totalBytes: found.size });
        let lastReport = 0;
        const got = await download(found.url, wheelPath, {
          proxy: opts.proxy, strictSSL: opts.strictSSL, signal: opts.signal, env: opts.env,
          expectedSha256: found.sha256, expectedSize: found.size,
          onProgress: (received, total) => {
            const now = Date.now();
            if (now - lastReport < 200 && received !== total) return;
            lastReport = now;
            progress({ step: 'download', message: `downloading ${found.filename}`, bytes: received, totalBytes: total });
          },
        });
        source = `wheel ${redact(got.url)}`;
        wheel = { filename: found.filename, url: redact(got.url), sha256: got.sha256 };
        progress({ step: 'extract', message: `unpacking libtensorflow from ${found.filename}` });
        let lastExtract = 0;
        await extractMembers(wheelPath, libTargets, {
          signal: opts.signal,
          onProgress: (done, total) => {
            const now = Date.now();
            if (now - lastExtract < 200 && done !== total) return;
            lastExtract = now;
            progress({ step: 'extract', message: 'unpacking libtensorflow', bytes: done, totalBytes: total });
          },
        });
      }
      if (opts.signal?.aborted) throw cancelled();
      await fs.promises.copyFile(opts.addonSource, path.join(tmp, ADDON_REL));
      await fs.promises.chmod(path.join(tmp, ADDON_REL), 0o755);
      const files: Record<string, number> = {};
      for (const rel of [ADDON_REL, ...NATIVE_LIBS.map((l) => path.join(LIB_REL, l))]) files[rel] = (await fs.promises.stat(path.join(tmp, rel))).size;
      const bytes = Object.values(files).reduce((a, b) => a + b, 0);
      const setUpAt = new Date().toISOString();
      const record: ReadyRecord = {
        tfjsNode: NATIVE_TARGET.tfjsNode, tensorflow: NATIVE_TARGET.tensorflow, napi: NATIVE_TARGET.napi, platform: NATIVE_TARGET.platform,
        source, setUpAt, ...(wheel ? { wheel } : {}), files, bytes,
      };
      progress({ step: 'check', message: 'loading the native backend in a child process' });
      let probed: { tensorflow: string };
      try {
        probed = await untilAborted(opts.check(installFrom(tmp, record)), opts.signal);
      } catch (e) {
        if (opts.signal?.aborted) throw cancelled();
        const why = e instanceof Error ? e.message : String(e);
        throw new CnnLabError('E_BACKEND_UNAVAILABLE', `the native TensorFlow backend does not load: ${why}`,
          'training uses the wasm backend; report this with the output of "CNN Lab: Set up native backend"');
      }
      if (opts.signal?.aborted) throw cancelled();
      const final: ReadyRecord = { ...record, tensorflow: probed.tensorflow || record.tensorflow };
      await fs.promises.writeFile(path.join(tmp, READY), `${JSON.stringify(final, null, 2)}\n`);
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rename(tmp, dir);
      await fs.promises.rm(path.join(home, FAILED), { force: true });
      if (wheelPath) await fs.promises.rm(wheelPath, { force: true });
      return installFrom(dir, final);
    } catch (e) {
      const err = isCancelled(e) || opts.signal?.aborted ? cancelled() : typed(e);
      await fs.promises.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (wheelPath) {
        await fs.promises.rm(wheelPath, { force: true }).catch(() => undefined);
        await fs.promises.rm(`${wheelPath}.part`, { force: true }).catch(() => undefined);
      }
      if (err.code !== 'E_CANCELLED') {
        await fs.promises.writeFile(path.join(home, FAILED), `${JSON.stringify({ reason: err.message, at: new Date().toISOString(), code: err.code })}\n`).catch(() => undefined);
      }
      throw err;
    }
  });
}

// ------------------------------------------------------------------------------------ probe

/** The most telling line of a child's stderr: an error line if there is one, else the last. */
function stderrReason(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /\bError\b|error:|cannot open shared object|undefined symbol|invalid ELF/i.test(l)) ?? lines[lines.length - 1];
}

/**
 * Runs `script` (default args `--probe-native`) with CNN_LAB_NATIVE_ADDON pointing at the install's
 * addon and waits for one JSON line on stdout: `{"ok":true,"tensorflow":"2.21.0"}` or
 * `{"ok":false,"error":"..."}`. A crash, a signal or silence past the timeout rejects with the reason.
 */
export function probeNativeInChild(install: NativeInstall, opts: { execPath: string; script: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; args?: string[] }): Promise<{ tensorflow: string }> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, CNN_LAB_NATIVE_ADDON: install.addon };
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(opts.execPath, [opts.script, ...(opts.args ?? ['--probe-native'])], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let answer: { ok: true; tensorflow: string } | { ok: false; error: string } | undefined;
    let settled = false;
    let timedOut = false;
    const finish = (err: Error | undefined, value?: { tensorflow: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve(value as { tensorflow: string });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (answer) return;
      for (const line of stdout.split('\n').slice(0, -1)) {
        try {
          const v: unknown = JSON.parse(line);
          if (isRecord(v) && v.ok === true && typeof v.tensorflow === 'string') { answer = { ok: true, tensorflow: v.tensorflow }; break; }
          if (isRecord(v) && v.ok === false) { answer = { ok: false, error: typeof v.error === 'string' ? v.error : 'the probe reported a failure' }; break; }
        } catch { /* not the answer line */ }
      }
      if (answer) {
        // The answer is in; a child that then hangs in TensorFlow's teardown is not waited for.
        const a = answer;
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
        if (a.ok) finish(undefined, { tensorflow: a.tensorflow }); else finish(new Error(a.error));
      }
    });
    child.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-16_384); });
    child.on('error', (e) => finish(new Error(`cannot start ${opts.execPath}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (timedOut) { finish(new Error(`the probe did not answer within ${Math.round(timeoutMs / 1000)} s${stderrReason(stderr) ? ` (${stderrReason(stderr)})` : ''}`)); return; }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
      const why = stderrReason(stderr);
      finish(new Error(`the probe ${how} without an answer${why ? `: ${why}` : ''}`));
    });
  });
}
